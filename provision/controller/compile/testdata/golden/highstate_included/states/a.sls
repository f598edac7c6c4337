include:
  - b
nginx:
  pkg.installed:
    - version: '1.22'
