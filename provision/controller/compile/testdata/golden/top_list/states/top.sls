base:
  'a,web01,b':
    - match: list
    - listed
  'a,b':
    - match: list
    - other
