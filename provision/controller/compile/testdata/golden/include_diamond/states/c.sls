include:
  - d
c:
  cmd.run:
    - name: echo c
