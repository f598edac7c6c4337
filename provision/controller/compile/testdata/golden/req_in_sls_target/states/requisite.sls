include:
  - b
first:
  cmd.run:
    - name: echo first
    - require_in:
      - sls: b
