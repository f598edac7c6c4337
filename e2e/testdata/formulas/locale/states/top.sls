base:
  '*':
    - locale
