/etc/motd:
  file.managedd:
    - contents: hi
