chrony:
  servers:
    - ntp1.example.net
    - ntp2.example.net
  pools:
    2.debian.pool.ntp.org: iburst maxsources 2
    0.europe.pool.ntp.org: iburst
  allow:
    - 10.0.0.0/8
  options:
    makestep: 1.0 3
    rtcsync: ''
    leapsectz: right/UTC
    maxupdateskew: 100.0
