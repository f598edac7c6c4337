/etc/nginx.conf:
  file.managed:
    - contents: x
    - mode: 0640
    - require:
      - pkg: nginx
