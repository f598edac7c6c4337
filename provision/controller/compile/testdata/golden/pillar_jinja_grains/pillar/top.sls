base:
  'os:Debian':
    - match: grain
    - debian
