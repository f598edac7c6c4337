# Modern form.
sysstat:
  pkg.installed: []
  service.running:
    - enable: True
    - watch:
      - file: /etc/default/sysstat

/etc/default/sysstat:
  file.managed:
    - contents: |
        # Managed by brine (states/sysstat).
        ENABLED="true"
    - user: root
    - group: root
    - mode: 644
    - require:
      - pkg: sysstat
