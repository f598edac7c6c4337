include:
  - d
b:
  cmd.run:
    - name: echo b
