base:
  '*':
    - fnsvc
