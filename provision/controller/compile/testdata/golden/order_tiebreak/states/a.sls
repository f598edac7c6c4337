one:
  pkg.installed:
    - name: zed
    - order: 5
two:
  cmd.run:
    - name: echo b
    - order: 5
three:
  cmd.run:
    - name: echo a
    - order: 5
