include:
  - .base
  - .bencane
