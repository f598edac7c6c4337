exclude:
  - sls: web.*
a: pkg.installed
