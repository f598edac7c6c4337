snmpd:
  agent_address: udp:127.0.0.1:1161
  system:
    location: rack 12, hall B
    contact: ops@example.net
  views:
    - name: systemonly
      oid: .1.3.6.1.2.1.1
    - name: systemonly
      oid: .1.3.6.1.2.1.25.1
  communities:
    zabbix-ro:
      source: 10.20.0.0/16
      view: systemonly
    monitor:
      source: 127.0.0.1
    admin-rw:
      source: 10.20.1.5
      write: True
