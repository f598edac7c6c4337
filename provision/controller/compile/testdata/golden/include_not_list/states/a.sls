include: b
a:
  cmd.run:
    - name: echo a
