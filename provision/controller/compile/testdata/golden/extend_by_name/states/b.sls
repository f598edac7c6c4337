httpd-conf:
  file.managed:
    - name: /etc/httpd.conf
    - contents: x
