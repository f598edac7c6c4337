include:
  - b
  - c
