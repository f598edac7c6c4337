base:
  '*':
    - nginx
    - nginx.vhosts
