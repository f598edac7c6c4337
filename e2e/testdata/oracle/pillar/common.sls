role: oracle
nested:
  a:
    b: 1
users:
  - alice
  - bob
