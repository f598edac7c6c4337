base:
  '*':
    - fn
