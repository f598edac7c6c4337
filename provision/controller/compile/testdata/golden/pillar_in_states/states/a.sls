{% set ntp = salt['pillar.get']('ntp:server', 'pool.ntp.org') %}
ntp-conf:
  file.managed:
    - name: /etc/ntp.conf
    - contents: server {{ ntp }}
    - user: {{ pillar['owner'] }}
    - group: {{ salt['pillar.get']('missing:key', 'root') }}
