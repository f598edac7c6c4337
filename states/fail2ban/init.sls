include:
  - ssh

fail2ban:
  pkg.installed: []
  service.running:
    - enable: True
    - require:
      - pkg: fail2ban
    - watch:
      - file: /etc/fail2ban/jail.local

/etc/fail2ban/jail.local:
  file.managed:
    - source: salt://fail2ban/files/jail.local
    - template: jinja
    - context:
        bantime: {{ salt['pillar.get']('fail2ban:bantime', 3600) }}
    - mode: 644
    - require:
      - pkg: fail2ban
