base:
  '*':
    - timezone._mapdata
    - timezone
