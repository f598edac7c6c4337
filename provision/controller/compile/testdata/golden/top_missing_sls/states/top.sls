base:
  '*':
    - present
    - absent
