B:
  cmd.run:
    - name: echo B
C:
  cmd.run:
    - name: echo C
