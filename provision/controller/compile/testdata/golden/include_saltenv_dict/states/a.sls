include:
  - dev: tools
a:
  cmd.run:
    - name: echo a
