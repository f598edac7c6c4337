base:
  '*':
    - sshd
