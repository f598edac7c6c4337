# Old list syntax, as in the seed article's salt-base.
admins:
  group:
    - present
    - gid: 2000

/etc/sudoers.d:
  file:
    - directory
    - user: root
    - group: root
    - mode: 750

/etc/sudoers.d/admins:
  file:
    - managed
    - contents: '%admins ALL=(ALL) NOPASSWD: ALL'
    - user: root
    - group: root
    - mode: 440
    - require:
      - group: admins
      - file: /etc/sudoers.d
