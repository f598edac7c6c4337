vim:
  pkg:
    - installed
    - version: 2:9.0
/etc/vimrc:
  file:
    - managed
    - contents: set nocompatible
    - require:
      - pkg: vim
