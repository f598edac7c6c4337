/tmp/conf:
  file.managed:
    - contents: a
    - onchanges_in:
      - cmd: reload
failed-notify:
  cmd.run:
    - name: echo failed
    - onfail:
      - file: /tmp/conf
reload:
  cmd.run:
    - name: echo reload
