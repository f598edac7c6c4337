cron:
  users:
    root:
      env:
        MAILTO: ops@example.org
        PATH: /usr/local/bin:/usr/bin:/bin
      jobs:
        backup:
          command: /usr/local/bin/backup.sh --full
          minute: 30
          hour: 2
          comment: nightly backup
        rotate-reports:
          command: /usr/local/bin/rotate-reports
          minute: '*/15'
        at-boot:
          command: /usr/local/bin/warm-cache
          special: '@reboot'
        old-cleanup:
          command: /usr/local/bin/old-cleanup.sh
          absent: true
  system:
    certbot-renew:
      schedule: 17 */12 * * *
      user: root
      command: test -x /usr/bin/certbot && certbot -q renew
    tmp-reaper:
      schedule: 0 5 * * 0
      user: root
      command: find /tmp -mtime +7 -delete
