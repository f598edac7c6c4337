vim:
  pkg:
    - installed
    - version: '9.0'
GMT: timezone.system
