git:
  pkg:
    - installed
