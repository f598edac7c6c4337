{% set out = salt['cmd.run']('hostname') %}
x:
  test.nop:
    - out: {{ out }}
