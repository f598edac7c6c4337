nginx:
  service.running: []
/etc/nginx/nginx.conf:
  file.managed:
    - contents: x
    - watch_in:
      - service: nginx
