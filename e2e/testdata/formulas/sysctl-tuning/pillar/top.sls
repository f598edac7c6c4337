base:
  '*':
    - tuning
