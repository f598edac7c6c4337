base:
  'role:web':
    - match: pillar
    - web
  'role:db':
    - match: pillar
    - db
