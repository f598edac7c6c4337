include:
  - b
extend:
  ssh:
    service:
      - dead
