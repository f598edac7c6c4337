base:
  '*':
    - openssh._mapdata
    - openssh
    - openssh.config
