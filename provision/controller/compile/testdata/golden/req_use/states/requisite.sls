/etc/foo.conf:
  file.managed:
    - contents: foo
    - user: foo
    - group: users
    - mode: 644
/etc/bar.conf:
  file.managed:
    - contents: bar
    - group: staff
    - use:
      - file: /etc/foo.conf
