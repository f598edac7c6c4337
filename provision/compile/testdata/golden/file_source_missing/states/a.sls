/etc/motd:
  file.managed:
    - source: salt://files/nope
