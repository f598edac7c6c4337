A:
  cmd.run:
    - name: echo A
    - require_any:
      - cmd: B
      - C
B:
  cmd.run:
    - name: echo B
C:
  cmd.run:
    - name: echo C
    - onfail_any:
      - cmd: B
    - onchanges_any:
      - B
    - watch_any:
      - cmd: B
