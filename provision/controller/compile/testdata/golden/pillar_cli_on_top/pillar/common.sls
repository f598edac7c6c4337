ntp:
  server: pool.ntp.org
  iburst: true
users:
  - alice
