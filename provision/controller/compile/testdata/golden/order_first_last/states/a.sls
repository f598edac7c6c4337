z-last:
  cmd.run:
    - name: echo last
    - order: last
middle:
  cmd.run:
    - name: echo middle
a-first:
  cmd.run:
    - name: echo first
    - order: first
