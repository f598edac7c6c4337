vim:
  pkg.installed: [
