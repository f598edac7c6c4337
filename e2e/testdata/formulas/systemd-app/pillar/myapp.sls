myapp:
  name: shopd
  user: shopd
  description: Shop daemon
  environment:
    SHOP_PORT: 9000
    SHOP_MODE: production
    LANG: C.UTF-8
  config:
    listen: 127.0.0.1:9000
    workers: 4
    log_level: info
  override:
    LimitNOFILE: 65536
    Nice: 5
    MemoryMax: 256M
