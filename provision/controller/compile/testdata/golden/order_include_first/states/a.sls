include:
  - b
a-state:
  cmd.run:
    - name: echo a
