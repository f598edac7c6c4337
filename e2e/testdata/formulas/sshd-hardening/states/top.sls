base:
  '*':
    - sshd.hardening
