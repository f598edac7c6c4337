vim:
  pkg.installed:
