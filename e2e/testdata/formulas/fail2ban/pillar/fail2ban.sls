fail2ban:
  defaults:
    bantime: 1h
    maxretry: 3
    ignoreip: 127.0.0.1/8 10.0.0.0/8
  jails:
    sshd:
      enabled: 'true'
      port: ssh
      mode: aggressive
      backend: systemd
    nginx-http-auth:
      enabled: 'false'
      port: http,https
    myapp:
      enabled: 'true'
      port: 8080
      filter: myapp
      logpath: /var/log/myapp/auth.log
      backend: auto
  filters:
    myapp:
      failregex: '^.*authentication failure for .* from <HOST>$'
