# The snmp-formula's conf.sls: "config" is indented under the list item,
# not under "context", so the item has two keys and Salt splits it into
# context: None and config: {...}; config then reaches file.managed's
# **kwargs, and get_managed hands **kwargs to the template.
/etc/snmp/snmpd.conf:
  file.managed:
    - template: jinja
    - context:
      config: {"rocommunity": "public", "sysLocation": "lab"}
    - source: salt://snmp/files/snmpd.conf
    - mode: 644
/etc/snmp/override.conf:
  file.managed:
    - template: jinja
    - source: salt://snmp/files/snmpd.conf
    - config: {"rocommunity": "kw"}
    - context:
        config: {"rocommunity": "ctx"}
