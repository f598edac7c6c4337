deploy:
  name: shop
  user: deploy
  dir: /srv/shop
  origin: /srv/git/shop.git
  ssh_key: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOiQA3R37jVRGy32QAvfZwpRecVy4NOS65o8quUjws8c deploy@ci
  env:
    APP_ENV: production
    DATABASE_URL: postgres://shop@db.internal/shop
    WORKERS: 4
    CACHE_URL: redis://cache.internal:6379/0
