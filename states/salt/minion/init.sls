# The seed article's salt/minion/init.sls, old list syntax, for bookworm.
salt-minion:
  pkgrepo:
    - managed
    - humanname: Salt Project
    - name: deb [signed-by=/etc/apt/keyrings/salt-archive-keyring.pgp arch={{ grains.get('osarch', 'amd64') }}] https://packages.broadcom.com/artifactory/saltproject-deb/ stable main
    - file: /etc/apt/sources.list.d/salt.list
    - key_url: https://packages.broadcom.com/artifactory/api/security/keypair/SaltProjectKey/public
    - aptkey: False
  pkg:
    - latest
    - require:
      - pkgrepo: salt-minion
  service:
    - dead
    - enable: False
    - require:
      - pkg: salt-minion

/etc/salt/minion.d/masterless.conf:
  file:
    - managed
    - source: salt://salt/config/etc/salt/minion.d/masterless.conf
    - makedirs: True

/etc/cron.d/salt-standalone:
  file:
    - managed
    - source: salt://salt/config/etc/cron.d/salt-standalone
    - mode: 644
