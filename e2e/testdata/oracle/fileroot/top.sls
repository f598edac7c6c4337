base:
  '*':
    - simple
