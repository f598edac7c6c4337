include:
  - sls: b
  - sls: c
    saltenv: prod
