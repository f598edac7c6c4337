base:
  '*':
    - fnmisc
