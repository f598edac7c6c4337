vim:
  pkg.installed:
    - require_in:
      - file: /etc/vimrc
/etc/vimrc:
  file.managed:
    - contents: x
