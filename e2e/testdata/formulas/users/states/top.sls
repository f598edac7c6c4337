base:
  '*':
    - users._mapdata
    - users
