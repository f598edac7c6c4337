A:
  cmd.run:
    - name: echo A
F:
  cmd.run:
    - name: echo F
    - require:
      - foobar: A
