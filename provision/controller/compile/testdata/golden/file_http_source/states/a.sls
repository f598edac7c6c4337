/opt/tool.tgz:
  file.managed:
    - source: https://example.org/tool.tgz
    - source_hash: sha256=abc
