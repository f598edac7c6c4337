base:
  'G@os:Debian and web*':
    - match: compound
    - debian-web
  'G@os:Debian and not web*':
    - match: compound
    - debian-other
  '( G@os:RedHat or E@web\d+ ) and L@x,web01':
    - match: compound
    - grouped
  'web* not G@roles:db':
    - match: compound
    - implicit-and
  'P@os:(Deb|Ubu).* and I@role:front':
    - match: compound
    - pcre-pillar
