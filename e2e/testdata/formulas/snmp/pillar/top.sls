base:
  '*':
    - snmp
