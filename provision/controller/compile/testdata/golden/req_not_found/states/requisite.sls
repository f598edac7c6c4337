A:
  cmd.run:
    - name: echo A
G:
  cmd.run:
    - name: echo G
    - require:
      - Z
H:
  cmd.run:
    - name: echo H
    - require:
      - cmd: Z
    - watch:
      - file: /nope
