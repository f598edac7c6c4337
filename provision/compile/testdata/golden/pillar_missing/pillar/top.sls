base:
  '*':
    - here
    - gone
