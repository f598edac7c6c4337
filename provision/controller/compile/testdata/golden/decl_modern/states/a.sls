vim:
  pkg.installed: []
/etc/motd:
  file.managed:
    - contents: hello
    - user: root
