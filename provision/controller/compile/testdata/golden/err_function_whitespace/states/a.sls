/etc/motd:
  file:
    - managed
    - user root
