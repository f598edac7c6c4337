nginx:
  pkg.installed: []
  service.running: []
conf:
  file.managed:
    - name: /etc/nginx/nginx.conf
    - contents: x
    - require_in:
      - nginx
      - not-there
