include:
  - fullsls
A:
  cmd.run:
    - name: echo A
    - require:
      - sls: fullsls
