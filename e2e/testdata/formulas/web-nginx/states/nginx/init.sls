{%- from tpldir ~ "/map.jinja" import nginx with context %}

nginx-pkg:
  pkg.installed:
    - name: {{ nginx.package }}

nginx-conf:
  file.managed:
    - name: {{ nginx.conf_dir }}/nginx.conf
    - source: salt://nginx/files/nginx.conf.j2
    - template: jinja
    - context:
        nginx: {{ nginx|tojson }}
    - require:
      - pkg: nginx-pkg

nginx-webroot:
  file.directory:
    - name: {{ nginx.webroot }}
    - user: root
    - group: root
    - mode: '0755'

{%- if nginx.remove_default_site %}

nginx-default-site:
  file.absent:
    - name: {{ nginx.conf_dir }}/sites-enabled/default
    - require:
      - pkg: nginx-pkg
{%- endif %}

nginx-service:
  service.running:
    - name: {{ nginx.service }}
    - enable: True
    - reload: True
    - watch:
      - file: nginx-conf
