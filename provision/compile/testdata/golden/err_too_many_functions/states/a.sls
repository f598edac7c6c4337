vim:
  pkg:
    - installed
    - latest
