include:
  - nope
a:
  cmd.run:
    - name: echo a
