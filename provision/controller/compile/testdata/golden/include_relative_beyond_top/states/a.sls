include:
  - ...x
a:
  cmd.run:
    - name: echo a
