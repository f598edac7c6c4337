x:
  cmd.run:
    - name: echo x
y:
  cmd.run:
    - name: echo y
