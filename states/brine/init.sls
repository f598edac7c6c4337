# Self-management, brine style (the seed article's salt.minion cron job and
# state directories, without a salt-minion): the tree lives in /srv/brine and
# a cron.d entry re-applies it.
/srv/brine:
  file.directory:
    - user: root
    - group: root
    - mode: 700
    - makedirs: True

/etc/cron.d/brine-standalone:
  file.managed:
    - source: salt://brine/files/brine-standalone.cron
    - user: root
    - group: root
    - mode: 644
    - require:
      - file: /srv/brine
