/etc/a:
  file.managed:
    - source: salt://files/a
/etc/b:
  file.managed:
    - source: salt://files/b
/etc/c:
  file.managed:
    - source: salt://files/c?saltenv=dev
