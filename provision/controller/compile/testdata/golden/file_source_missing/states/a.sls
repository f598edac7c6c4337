/etc/motd:
  file.managed:
    - source: salt://files/nope
/etc/issue:
  file.managed:
    - source:
      - salt://files/nope
      - salt://files/nope2
/etc/ok:
  file.managed:
    - contents: fine
    - require:
      - file: /etc/motd
/opt/app:
  file.recurse:
    - source: salt://nodir
/opt/other:
  file.recurse:
    - source: /srv/local
run-it:
  cmd.script:
    - source: salt://scripts/nope.sh
/opt/pkg:
  archive.extracted:
    - source: salt://archives/nope.tar.gz
