postfix:
  config:
    myhostname: mail.example.org
    relayhost: '[smtp.example.net]:587'
    inet_interfaces: loopback-only
    mydestination:
      - $myhostname
      - localhost.localdomain
      - localhost
    smtp_sasl_auth_enable: 'yes'
    smtp_sasl_password_maps: hash:/etc/postfix/sasl_passwd
    smtp_sasl_security_options: noanonymous
    smtp_tls_security_level: encrypt
    compatibility_level: '3.6'
  sasl_user: relay
  sasl_password: not-a-real-secret
  aliases:
    root: ops@example.org
    postmaster: root
