x:
  test.nop:
    - from: {{ pillar['from'] }}
