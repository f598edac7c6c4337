base:
  '*':
    - nfs.server
