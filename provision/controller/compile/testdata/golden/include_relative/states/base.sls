base-pkg:
  pkg.installed: []
