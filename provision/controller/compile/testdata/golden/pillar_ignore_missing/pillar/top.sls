base:
  '*':
    - here
    - gone
    - ignore_missing: True
