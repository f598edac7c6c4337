base:
  '*':
    - myapp
