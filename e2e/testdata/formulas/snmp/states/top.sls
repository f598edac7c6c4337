base:
  '*':
    - snmp._mapdata
    - snmp.conf
