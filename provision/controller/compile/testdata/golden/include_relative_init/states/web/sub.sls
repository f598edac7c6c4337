sub:
  cmd.run:
    - name: echo sub
