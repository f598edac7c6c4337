base:
  '*':
    - snmpd
