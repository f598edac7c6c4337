apt-utils:
  pkg.installed: []
