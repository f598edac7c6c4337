common:
  cmd.run:
    - name: echo common
