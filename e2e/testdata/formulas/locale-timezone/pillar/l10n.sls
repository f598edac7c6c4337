l10n:
  present:
    - en_US.UTF-8
    - de_DE.UTF-8
    - fr_FR.UTF-8
  default: en_US.UTF-8
  timezone: Europe/Berlin
  utc: True
  keyboard:
    xkbmodel: pc105
    xkblayout: de
    xkbvariant: nodeadkeys
    xkboptions: ''
