very-last:
  cmd.run:
    - name: echo -1
    - order: -1
before-last:
  cmd.run:
    - name: echo -2
    - order: -2
normal:
  cmd.run:
    - name: echo n
