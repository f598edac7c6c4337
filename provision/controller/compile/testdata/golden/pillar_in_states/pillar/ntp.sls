ntp:
  server: time.example.org
owner: ntp
