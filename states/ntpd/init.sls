# ntpd on bookworm is ntpsec.
ntpsec:
  pkg.installed: []
  service.running:
    - name: ntpsec
    - enable: True
    - require:
      - pkg: ntpsec
