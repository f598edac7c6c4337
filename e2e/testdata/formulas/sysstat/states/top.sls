base:
  '*':
    - sysstat._mapdata
    - sysstat
