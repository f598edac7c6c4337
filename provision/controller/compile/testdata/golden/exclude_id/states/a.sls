exclude:
  - id: vim
git: pkg.installed
