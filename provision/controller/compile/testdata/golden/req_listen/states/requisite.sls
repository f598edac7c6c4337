restart-apache2:
  service.running:
    - name: apache2
    - listen:
      - file: /etc/apache2/apache2.conf
configure-apache2:
  file.managed:
    - name: /etc/apache2/apache2.conf
    - contents: conf
restart-nginx:
  service.running:
    - name: nginx
configure-nginx:
  file.managed:
    - name: /etc/nginx/nginx.conf
    - contents: conf
    - listen_in:
      - service: nginx
