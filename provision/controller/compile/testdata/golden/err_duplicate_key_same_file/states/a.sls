vim:
  pkg.installed: []
vim:
  pkg.latest: []
