base:
  '*':
    - roles.*
