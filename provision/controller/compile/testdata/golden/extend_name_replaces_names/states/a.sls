include:
  - b
extend:
  pkgs:
    pkg:
      - name: c
