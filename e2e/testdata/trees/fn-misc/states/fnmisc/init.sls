cron-present:
  cron.present:
    - name: /usr/local/bin/backup.sh
    - user: root
    - minute: 30
    - hour: 2
    - identifier: nightly-backup

cron-present-special:
  cron.present:
    - name: /usr/local/bin/reboot-hook.sh
    - user: root
    - special: '@reboot'

cron-env:
  cron.env_present:
    - name: MAILTO
    - value: ops@example.com
    - user: root

cron-absent-missing:
  cron.absent:
    - name: /usr/local/bin/never.sh
    - user: root

host-present:
  host.present:
    - name: db.internal
    - ip: 10.1.2.3

host-present-multi:
  host.present:
    - ip: 10.1.2.4
    - names:
      - cache.internal
      - cache

host-absent-missing:
  host.absent:
    - name: nothere.internal
    - ip: 10.9.9.9

ini-options:
  ini.options_present:
    - name: /srv/misc/app.ini
    - sections:
        main:
          port: 8080
          workers: 4
        new:
          enabled: 'true'

sysctl-present:
  sysctl.present:
    - name: vm.swappiness
    - value: 10

alternatives-install:
  alternatives.install:
    - name: fnalt
    - link: /usr/local/bin/fnalt
    - path: /srv/misc/alt-one
    - priority: 10

alternatives-install-two:
  alternatives.install:
    - name: fnalt
    - link: /usr/local/bin/fnalt
    - path: /srv/misc/alt-two
    - priority: 20
    - require:
      - alternatives: alternatives-install

alternatives-set:
  alternatives.set:
    - name: fnalt
    - path: /srv/misc/alt-one
    - require:
      - alternatives: alternatives-install-two

timezone-system:
  timezone.system:
    - name: Europe/Paris

locale-present:
  locale.present:
    - name: C.UTF-8

archive-extracted:
  archive.extracted:
    - name: /opt/app
    - source: salt://fnmisc/app-1.0.tar.gz
    - source_hash: sha256=7f47a08a36071816308a3b6cef234dbc6952f9b9e544310fb49ff126aec75cda
    - if_missing: /opt/app/app-1.0

mount-tmpfs:
  mount.mounted:
    - name: /mnt/fnscratch
    - device: tmpfs
    - fstype: tmpfs
    - opts: size=8m
    - mkmnt: True
    - persist: False

git-pkg:
  pkg.installed:
    - name: git

git-repo-setup:
  cmd.run:
    - name: git init -q --bare -b main /srv/misc/repo.git && git clone -q /srv/misc/repo.git /tmp/seed && cd /tmp/seed && git -c user.email=a@b -c user.name=a commit -q --allow-empty -m init && git push -q origin HEAD:main
    - creates: /srv/misc/repo.git
    # fixed dates: the commit id is the same on both twins
    - env:
        GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z'
        GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z'
    - require:
      - pkg: git-pkg

git-latest:
  git.latest:
    - name: /srv/misc/repo.git
    - target: /srv/misc/checkout
    - rev: main
    - require:
      - cmd: git-repo-setup

git-config:
  git.config_set:
    - name: core.fileMode
    - value: 'false'
    - repo: /srv/misc/checkout
    - require:
      - git: git-latest

module-run-test-arg:
  module.run:
    - test.arg:
      - one
      - two: 2

module-run-file-hash:
  module.run:
    - file.get_hash:
      - path: /srv/misc/app.ini

test-nop:
  test.nop:
    - name: nothing

test-configurable:
  test.configurable_test_state:
    - name: configurable
    - changes: True
    - result: True
    - comment: configured
