base:
  '*':
    - apache
    - apache.vhosts
