fn:
  vhosts:
    zeta.example: {port: 8080, root: /srv/zeta}
    alpha.example: {port: 80, root: /srv/alpha}
    mid.example: {port: 8081, root: /srv/mid}
  motd: |
    managed by a state
    second line
