vim:
  pkg.installed: []
/etc/vimrc:
  file.managed:
    - contents: set nocp
    - require:
      - pkg: vim
