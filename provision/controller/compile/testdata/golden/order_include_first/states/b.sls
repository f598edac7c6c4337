b-state:
  cmd.run:
    - name: echo b
b-other:
  cmd.run:
    - name: echo b2
