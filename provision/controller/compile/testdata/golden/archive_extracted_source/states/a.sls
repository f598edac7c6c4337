/opt/app:
  archive.extracted:
    - source: salt://dist/app.tar.gz
    - enforce_toplevel: False
