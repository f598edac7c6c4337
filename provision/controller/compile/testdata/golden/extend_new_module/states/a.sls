include:
  - b
extend:
  nginx:
    service.running:
      - enable: True
