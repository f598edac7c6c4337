libfoo:
  pkg.installed: []
libbar:
  pkg.installed: []
app:
  cmd.run:
    - name: make
    - require:
      - pkg: lib*
