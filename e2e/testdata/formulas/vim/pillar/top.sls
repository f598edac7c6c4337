base:
  '*':
    - vim
