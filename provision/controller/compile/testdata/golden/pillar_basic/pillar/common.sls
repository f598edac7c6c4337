ntp:
  server: pool.ntp.org
users:
  - alice
