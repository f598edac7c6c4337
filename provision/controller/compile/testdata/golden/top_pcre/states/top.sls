base:
  'web\d+':
    - match: pcre
    - web
  'example':
    - match: pcre
    - never
  '.*\.prod$':
    - match: pcre
    - prod
