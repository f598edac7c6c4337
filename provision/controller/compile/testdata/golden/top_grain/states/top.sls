base:
  'os:Debian':
    - match: grain
    - debian
  'os:RedHat':
    - match: grain
    - redhat
  'roles:docker':
    - match: grain
    - docker
  'mem_total:2*':
    - match: grain
    - small
