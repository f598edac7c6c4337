{%- from "chrony/map.jinja" import chrony with context %}
{%- set settings = salt['pillar.get']('chrony', {}) %}

chrony:
  pkg.installed:
    - name: {{ chrony.package }}
  file.managed:
    - name: {{ chrony.config }}
    - source: salt://chrony/files/chrony.conf.j2
    - template: jinja
    - user: root
    - group: root
    - mode: '0644'
    - defaults:
        driftfile: {{ chrony.driftfile }}
        logdir: {{ chrony.logdir }}
    - context:
        servers: {{ settings.get('servers', [])|json }}
        pools: {{ settings.get('pools', {})|json }}
        allow: {{ settings.get('allow', [])|json }}
        options: {{ settings.get('options', {})|yaml }}
    - require:
      - pkg: chrony
  service.running:
    - name: {{ chrony.service }}
    - enable: True
    - watch:
      - file: chrony
