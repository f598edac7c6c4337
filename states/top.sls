# brine example tree: the seed article's salt-base and self-managing states,
# rewritten for Debian 12 (bookworm).
#
# '*' only gets what is safe and fast on any host (files, directories, cron.d
# entries, timezone, groups and users, the motd formula). Package-heavy
# states are targeted by the `roles` grain (set it in the roster:
# `grains: {roles: [server, docker]}`), so they compile everywhere
# (state.show_highstate) but only run where asked.
base:
  '*':
    - timezone
    - groups
    - users
    - motd
    - brine
  'roles:server':
    - match: grain
    - wget
    - git
    - iotop
    - screen
    - sysstat
    - ntpd
    - ssh
    - fail2ban
    - iptables
    - swap
  'roles:docker':
    - match: grain
    - docker
  'roles:salt':
    - match: grain
    - salt.minion
    - salt.states
