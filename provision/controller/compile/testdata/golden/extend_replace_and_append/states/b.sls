apache:
  pkg.installed: []
  service.running:
    - watch:
      - pkg: apache
/etc/httpd/httpd.conf:
  file.managed:
    - contents: old
    - mode: 644
