include:
  - web.*
