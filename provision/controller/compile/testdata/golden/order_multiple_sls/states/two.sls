y:
  cmd.run:
    - name: echo y
