include:
  - b
extend:
  svc:
    service:
      - watch:
        - file: cfg2
