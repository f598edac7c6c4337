base:
  '*':
    - apt._mapdata
    - apt.repositories
    - apt.update
