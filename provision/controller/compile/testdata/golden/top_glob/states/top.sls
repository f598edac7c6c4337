base:
  '*':
    - common
  'web*':
    - web
  'db*':
    - db
  'web0[1-3]':
    - web.small
