base:
  '*':
    - unattended
