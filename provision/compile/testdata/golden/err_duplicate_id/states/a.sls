vim:
  pkg.installed: []
