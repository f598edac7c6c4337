{%- set app = salt['pillar.get']('myapp', {}) %}
{%- set unit = app.name ~ '.service' %}

myapp-user:
  user.present:
    - name: {{ app.user }}
    - system: True
    - shell: /usr/sbin/nologin
    - home: /var/lib/{{ app.name }}
    - createhome: True

myapp-script:
  file.managed:
    - name: /usr/local/bin/{{ app.name }}
    - mode: '0755'
    - contents: |
        #!/bin/sh
        exec sleep infinity

myapp-config:
  file.managed:
    - name: /etc/{{ app.name }}.conf
    - contents: |
{%- for key, value in app.config.items() %}
        {{ key }}={{ value }}
{%- endfor %}

myapp-unit:
  file.managed:
    - name: /etc/systemd/system/{{ unit }}
    - source: salt://myapp/files/unit.j2
    - template: jinja
    - context:
        app: {{ app|json }}

myapp-dropin-dir:
  file.directory:
    - name: /etc/systemd/system/{{ unit }}.d

myapp-dropin:
  file.managed:
    - name: /etc/systemd/system/{{ unit }}.d/override.conf
    - contents: |
        [Service]
{%- for key, value in app.override.items() %}
        {{ key }}={{ value }}
{%- endfor %}
    - require:
      - file: myapp-dropin-dir

myapp-daemon-reload:
  module.run:
    - service.systemctl_reload: []
    - onchanges:
      - file: myapp-unit
      - file: myapp-dropin

myapp-service:
  service.running:
    - name: {{ app.name }}
    - enable: True
    - require:
      - module: myapp-daemon-reload
      - file: myapp-script
      - user: myapp-user
    - watch:
      - file: myapp-config
