/etc/motd:
  file.managed:
    - contents: hi
      user: root
