strace:
  pkg.installed: []
