base:
  '*':
    - sysctl._mapdata
    - sysctl
