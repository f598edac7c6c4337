/tmp/new:
  file.rename:
    - force: True
