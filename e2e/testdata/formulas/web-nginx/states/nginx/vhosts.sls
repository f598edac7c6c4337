{%- from tpldir ~ "/map.jinja" import nginx with context %}

include:
  - nginx

{%- for host, vhost in nginx.vhosts.items() %}
{%- set root = vhost.get('root', nginx.webroot ~ '/' ~ host) %}

nginx-vhost-{{ host }}-root:
  file.directory:
    - name: {{ root }}
    - user: {{ nginx.user }}
    - group: {{ nginx.user }}
    - makedirs: True

nginx-vhost-{{ host }}-index:
  file.managed:
    - name: {{ root }}/index.html
    - contents: '<h1>{{ host }}</h1>'
    - user: {{ nginx.user }}
    - group: {{ nginx.user }}
    - mode: '0644'
    - replace: False
    - require:
      - file: nginx-vhost-{{ host }}-root

nginx-vhost-{{ host }}:
  file.managed:
    - name: {{ nginx.conf_dir }}/sites-available/{{ host }}.conf
    - source: salt://nginx/files/vhost.conf.j2
    - template: jinja
    - context:
        host: {{ host }}
        root: {{ root }}
        vhost: {{ vhost|json }}
        log_dir: {{ nginx.log_dir }}
    - require:
      - pkg: nginx-pkg
    - watch_in:
      - service: nginx-service

nginx-vhost-{{ host }}-enabled:
  file.symlink:
    - name: {{ nginx.conf_dir }}/sites-enabled/{{ host }}.conf
    - target: {{ nginx.conf_dir }}/sites-available/{{ host }}.conf
{%- if not vhost.get('enabled', True) %}
    - onlyif: 'false'
{%- endif %}
    - require:
      - file: nginx-vhost-{{ host }}
    - watch_in:
      - service: nginx-service
{%- endfor %}
