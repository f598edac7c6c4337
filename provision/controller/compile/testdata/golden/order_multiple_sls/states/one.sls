x:
  cmd.run:
    - name: echo x
