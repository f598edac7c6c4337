base:
  'db*':
    - db
