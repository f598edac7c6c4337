base:
  'G@os:Debian and':
    - match: compound
    - x
