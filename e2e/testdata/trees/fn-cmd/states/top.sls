base:
  '*':
    - fncmd
