A:
  cmd.run:
    - name: echo A
    - require:
      - cmd: B
B:
  cmd.run:
    - name: echo B
    - watch:
      - cmd: C
C:
  cmd.run:
    - name: echo C
    - onchanges:
      - A
