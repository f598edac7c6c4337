/etc/motd:
  file.managed:
    - source: salt://files/motd
    - mode: 644
