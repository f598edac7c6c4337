include:
  - b
extend:
  /etc/httpd/httpd.conf:
    file:
      - contents: new
  apache:
    service:
      - watch:
        - file: /etc/httpd/httpd.conf
