screen:
  pkg:
    - installed

/etc/screenrc.d:
  file:
    - absent
