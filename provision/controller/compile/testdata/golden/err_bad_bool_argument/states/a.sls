/etc/motd:
  file.managed:
    - contents: hi
    - makedirs: maybe
