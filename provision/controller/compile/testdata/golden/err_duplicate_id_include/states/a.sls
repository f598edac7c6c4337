include:
  - b
vim:
  pkg.installed: []
