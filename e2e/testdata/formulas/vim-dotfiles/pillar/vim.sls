vim:
  settings:
    syntax: 'on'
    number: True
    expandtab: True
    shiftwidth: 4
    tabstop: 4
    background: dark
    mouse: ''
    compatible: False
    undofile: True
  lines:
    - filetype plugin indent on
    - autocmd BufReadPost *.log setlocal nowrap
  users:
    alice:
      lines:
        - colorscheme desert
        - set relativenumber
    bob: {}
