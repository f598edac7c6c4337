db:
  host.present:
    - ip: 10.0.0.5
    - require:
      - test: other
    - onlyif: true
    - hostnames: [db1]
other:
  test.nop: []
