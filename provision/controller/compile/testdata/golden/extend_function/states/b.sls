ssh:
  service.running:
    - name: sshd
