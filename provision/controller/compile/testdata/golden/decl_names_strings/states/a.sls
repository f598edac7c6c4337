tools:
  pkg.installed:
    - names:
      - zsh
      - git
      - curl
