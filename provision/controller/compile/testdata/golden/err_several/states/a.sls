one: bar
two:
  pkg.installed:
