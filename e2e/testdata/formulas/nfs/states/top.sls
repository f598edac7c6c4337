base:
  '*':
    - nfs._mapdata
    - nfs.server
