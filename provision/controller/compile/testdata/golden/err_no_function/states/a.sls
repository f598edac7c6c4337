vim:
  pkg:
    - version: 1
