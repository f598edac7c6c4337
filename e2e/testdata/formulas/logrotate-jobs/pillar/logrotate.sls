logrotate:
  default_config:
    weekly: true
    rotate: 52
    dateext: true
    compress: true
  jobs:
    /var/log/myapp/error:
      config:
        - daily
        - missingok
        - rotate 14
        - compress
    nginx:
      path:
        - /var/log/nginx/*.log
      config:
        - daily
        - missingok
        - rotate 30
        - sharedscripts
        - postrotate
        - '  invoke-rc.d nginx rotate >/dev/null 2>&1 || true'
        - endscript
    app-audit:
      path:
        - /var/log/audit-app/*.log
      config:
        - monthly
        - rotate 12
    syslog-extra:
      path:
        - /var/log/extra.log
        - /var/log/extra2.log
      config:
        - weekly
        - notifempty
