include:
  - a
b:
  cmd.run:
    - name: echo b
