a:
  file.managed:
    - name: /etc/a
    - contents: x
    - require:
      - file: /etc/a
