qa:
  'db*':
    - never
  '*':
    - qa
