{%- set vim = salt['pillar.get']('vim', {}) %}

vim-pkg:
  pkg.installed:
    - name: vim

vim-default-editor:
  alternatives.set:
    - name: editor
    - path: /usr/bin/vim.basic
    - require:
      - pkg: vim-pkg

vim-local-config:
  file.managed:
    - name: /etc/vim/vimrc.local
    - source: salt://vim/files/vimrc.local.j2
    - template: jinja
    - mode: '0644'
    - context:
        settings: {{ vim.get('settings', {})|tojson }}
        lines: {{ vim.get('lines', [])|tojson }}
    - require:
      - pkg: vim-pkg
