vim:
  pkg.latest: []
