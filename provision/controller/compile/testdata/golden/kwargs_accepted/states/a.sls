/etc/motd:
  file.managed:
    - contents: hi
    - makedirs: 'yes'
    - frobnicate: 1
