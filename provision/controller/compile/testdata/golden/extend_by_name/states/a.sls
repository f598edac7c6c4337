include:
  - b
extend:
  /etc/httpd.conf:
    file:
      - mode: 600
