A:
  cmd.run:
    - name: echo A
    - require_in:
      - foobar: W
