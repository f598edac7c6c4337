/tmp/x:
  file.managed:
    - contents: hi
    - context:
      extra: 1
    - user: root
      group: root
      require:
        - pkg: base-files
base-files:
  pkg.installed: []
