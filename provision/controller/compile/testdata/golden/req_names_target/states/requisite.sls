pkgs:
  pkg.installed:
    - names:
      - curl
      - wget
fetch:
  cmd.run:
    - name: wget -q http://example.org
    - require:
      - pkg: wget
