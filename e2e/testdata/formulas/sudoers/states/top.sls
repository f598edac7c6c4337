base:
  '*':
    - sudoers._mapdata
    - sudoers
    - sudoers.included
