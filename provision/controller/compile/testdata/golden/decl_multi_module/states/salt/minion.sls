salt-minion:
  pkgrepo:
    - managed
    - humanname: SaltStack Repo
    - name: deb http://repo.saltstack.com/apt/debian/12/amd64/latest bookworm main
    - dist: bookworm
  pkg:
    - latest
  service:
    - dead
    - enable: False
