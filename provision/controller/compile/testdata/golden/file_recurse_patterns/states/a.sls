/etc/app:
  file.recurse:
    - source: salt://conf
    - include_pat: '*.conf'
    - exclude_pat: 'skip*'
    - template: jinja
