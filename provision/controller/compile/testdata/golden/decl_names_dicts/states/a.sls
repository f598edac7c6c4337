dirs:
  file.directory:
    - user: root
    - names:
      - /srv/a:
        - mode: 700
      - /srv/b
      - /srv/c:
        - user: www-data
