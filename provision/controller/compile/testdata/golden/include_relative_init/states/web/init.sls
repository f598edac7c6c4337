include:
  - .sub
web:
  pkg.installed: []
