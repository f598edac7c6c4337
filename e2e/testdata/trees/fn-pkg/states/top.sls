base:
  '*':
    - fnpkg
