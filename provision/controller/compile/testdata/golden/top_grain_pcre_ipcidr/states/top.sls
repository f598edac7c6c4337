base:
  'os:deb.*':
    - match: grain_pcre
    - deb
  '10.0.0.0/8':
    - match: ipcidr
    - internal
  '192.168.0.0/16':
    - match: ipcidr
    - lan
