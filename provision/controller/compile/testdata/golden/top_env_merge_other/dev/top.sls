dev:
  '*':
    - devtools
