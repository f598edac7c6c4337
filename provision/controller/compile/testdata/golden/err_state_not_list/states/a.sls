vim:
  pkg.installed:
    version: 1
