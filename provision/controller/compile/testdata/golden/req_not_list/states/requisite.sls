A:
  cmd.run:
    - name: echo A
B:
  cmd.run:
    - name: echo B
    - require:
        cmd: A
C:
  cmd.run:
    - name: echo C
    - require_in:
        cmd: A
