iotop:
  pkg:
    - installed
