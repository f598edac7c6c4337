second:
  cmd.run:
    - name: echo second
    - order: 2
first:
  cmd.run:
    - name: echo first
    - order: 1
auto:
  cmd.run:
    - name: echo auto
