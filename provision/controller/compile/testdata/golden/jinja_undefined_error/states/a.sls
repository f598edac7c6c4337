x:
  test.nop:
    - a: 1
{{ nothere.attr }}
