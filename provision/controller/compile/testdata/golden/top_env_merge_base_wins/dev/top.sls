dev:
  '*':
    - devtools
base:
  '*':
    - ignored
