iptables-pkgs:
  pkg.installed:
    - names:
      - iptables
      - iptables-persistent

/etc/iptables/rules.v4:
  file.managed:
    - source: salt://iptables/files/rules.v4
    - template: jinja
    - mode: 600
    - makedirs: True
    - require:
      - pkg: iptables

iptables-restore:
  cmd.wait:
    - name: iptables-restore < /etc/iptables/rules.v4
    - watch:
      - file: /etc/iptables/rules.v4
