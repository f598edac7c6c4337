pkgs:
  pkg.installed:
    - names:
      - a
      - b
