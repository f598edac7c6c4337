/etc/app.conf:
  file.managed:
    - source: salt://files/app.conf.j2
    - template: jinja
    - defaults:
        port: 80
        workers: 2
    - context:
        port: 8080
