pkg-installed-already:
  pkg.installed:
    - name: sed

pkg-installed-new:
  pkg.installed:
    - name: tree

pkg-installed-pkgs:
  pkg.installed:
    - pkgs:
      - jq
      - gnupg

pkg-installed-refresh-false:
  pkg.installed:
    - name: ed
    - refresh: False

pkg-latest-uptodate:
  pkg.latest:
    - name: tree
    - require:
      - pkg: pkg-installed-new

pkg-removed-missing:
  pkg.removed:
    - name: nano

pkg-removed-installed:
  pkg.removed:
    - name: jq
    - require:
      - pkg: pkg-installed-pkgs

pkg-purged-missing:
  pkg.purged:
    - name: nano

pkgrepo-key-url:
  pkgrepo.managed:
    - name: deb http://deb.debian.org/debian bookworm-backports main
    - file: /etc/apt/sources.list.d/backports.list
    - key_url: salt://fnpkg/debian-bookworm-stable.asc
    - require:
      - pkg: pkg-installed-pkgs

pkgrepo-plain:
  pkgrepo.managed:
    - name: deb http://deb.debian.org/debian bookworm contrib
    - file: /etc/apt/sources.list.d/contrib.list
    - refresh: False

pkgrepo-absent-missing:
  pkgrepo.absent:
    - name: deb http://deb.debian.org/debian bookworm non-free

pkg-installed-after-repo:
  pkg.installed:
    - name: less
    - require:
      - pkgrepo: pkgrepo-key-url

lists-refreshed:
  cmd.run:
    - name: ls /var/lib/apt/lists | grep -c bookworm-updates_main_binary; grep -c 'Commandline' /var/log/apt/history.log
    - require:
      - pkg: pkg-installed-after-repo
