b:
  cmd.run:
    - name: echo b
