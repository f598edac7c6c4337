# Old list syntax (seed article: pkg.latest).
wget:
  pkg:
    - latest
