/etc/x:
  file.managed:
    - source: salt://files/x.j2
    - template: jinja
