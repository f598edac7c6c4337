vim:
  pkg.installed:
    - [a, b]
