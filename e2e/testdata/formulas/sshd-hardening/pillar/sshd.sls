sshd:
  banner: |
    Authorised access only. Sessions are logged.
  comment_in_main_config: [X11Forwarding, PrintMotd]
  settings:
    PasswordAuthentication: False
    KbdInteractiveAuthentication: False
    PermitRootLogin: prohibit-password
    X11Forwarding: False
    MaxAuthTries: 4
    ClientAliveInterval: 300
    ClientAliveCountMax: 2
    KexAlgorithms:
      - curve25519-sha256
      - curve25519-sha256@libssh.org
      - diffie-hellman-group16-sha512
    Ciphers:
      - chacha20-poly1305@openssh.com
      - aes256-gcm@openssh.com
      - aes128-gcm@openssh.com
