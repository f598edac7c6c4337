/etc/redis.conf:
  file.managed:
    - contents: x
  file.comment:
    - regex: ^requirepass
