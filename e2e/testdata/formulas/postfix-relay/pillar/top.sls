base:
  '*':
    - postfix
