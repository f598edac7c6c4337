/etc/motd:
  file.managed:
    - contents: hi
    - require:
      - pkg: base-files
      user: root
base-files:
  pkg.installed: []
