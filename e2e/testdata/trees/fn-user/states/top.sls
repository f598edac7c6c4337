base:
  '*':
    - fnuser
