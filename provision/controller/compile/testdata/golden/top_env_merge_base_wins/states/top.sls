base:
  '*':
    - common
dev:
  'web*':
    - webdev
