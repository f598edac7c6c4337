/var/www:
  file.recurse:
    - source: salt://site
    - user: www-data
