svc:
  service.running:
    - name: ssh
    - watch:
      - file: cfg1
cfg1:
  file.managed:
    - name: /etc/a
    - contents: a
cfg2:
  file.managed:
    - name: /etc/b
    - contents: b
