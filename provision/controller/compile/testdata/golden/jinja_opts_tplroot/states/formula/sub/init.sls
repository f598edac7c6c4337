o:
  test.nop:
    - minion_id: {{ opts.id }}
    - test: {{ opts.test }}
    - root: {{ tplroot }}
