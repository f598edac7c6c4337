base:
  '*':
    - vim._mapdata
    - vim
