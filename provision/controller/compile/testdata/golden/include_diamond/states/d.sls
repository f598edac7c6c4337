d:
  cmd.run:
    - name: echo d
