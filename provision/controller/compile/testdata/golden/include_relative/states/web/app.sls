include:
  - .common
  - ..base
app:
  cmd.run:
    - name: echo app
