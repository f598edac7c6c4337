vim:
  pkg.installed: []
curl:
  pkg.installed: []
