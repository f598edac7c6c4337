/etc/motd:
  file.managed:
    - contents: hi
