/etc/sudoers.d/admins:
  file.managed:
    - contents: '%admin ALL=(ALL) ALL'
    - mode: 440
    - uid_check: 0440
/srv/tree:
  file.directory:
    - dir_mode: 0755
    - file_mode: '0644'
    - mode: 755
