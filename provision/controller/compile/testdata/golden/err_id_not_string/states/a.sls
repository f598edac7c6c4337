8080:
  cmd.run:
    - name: echo port
'9090':
  cmd.run:
    - name: echo quoted
