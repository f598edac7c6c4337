base:
  '*':
    - vim
    - vim.users
