ntp:
  server: web.ntp.example
nginx:
  workers: 4
