extend:
  apache:
    service:
      - enable: True
