base:
  '*':
    - a
    - web.one
    - web.two
    - db
