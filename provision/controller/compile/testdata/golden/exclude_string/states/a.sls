include:
  - b
exclude:
  - b
a: pkg.installed
