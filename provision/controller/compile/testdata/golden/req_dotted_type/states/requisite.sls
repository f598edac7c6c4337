vim:
  pkg.installed: []
cfg:
  file.managed:
    - name: /etc/vimrc
    - require:
      - pkg.installed: vim
