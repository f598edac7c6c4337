base:
  '*':
    - collectd._mapdata
    - collectd
