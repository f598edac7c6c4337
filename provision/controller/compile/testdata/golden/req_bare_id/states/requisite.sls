vim:
  pkg.installed: []
/etc/vimrc:
  file.managed:
    - contents: x
    - require:
      - vim
