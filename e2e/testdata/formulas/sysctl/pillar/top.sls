base:
  '*':
    - sysctl
