/etc/motd:
  file.managed:
    - source:
      - salt://files/motd.{{ grains['id'] }}
      - salt://files/motd.missing
      - salt://files/motd
