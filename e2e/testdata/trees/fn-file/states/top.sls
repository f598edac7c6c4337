base:
  '*':
    - fnfile
