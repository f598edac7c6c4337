/etc/foo.conf:
  file.managed:
    - contents: foo
    - user: foo
    - use_in:
      - file: /etc/bar.conf
/etc/bar.conf:
  file.managed:
    - contents: bar
