{%- import_yaml tpldir ~ "/defaults.yaml" as defaults %}
{%- set snmpd = salt['defaults.merge'](defaults, salt['pillar.get']('snmpd', {}), in_place=False) %}

snmpd-pkg:
  pkg.installed:
    - name: {{ snmpd.package }}

snmpd-conf:
  file.managed:
    - name: {{ snmpd.config }}
    - source: salt://snmpd/files/snmpd.conf.j2
    - template: jinja
    - user: root
    - group: root
    - mode: '0600'
    - context:
        agent_address: {{ snmpd.agent_address }}
        system: {{ snmpd.system|yaml }}
        communities: {{ snmpd.communities|yaml }}
        views: {{ snmpd.views|yaml }}
    - require:
      - pkg: snmpd-pkg

snmpd-default:
  file.managed:
    - name: /etc/default/snmpd
    - contents: |
        # written by the state tree
        SNMPDRUN=yes
        SNMPDOPTS='{{ snmpd.daemon_options }}'
    - mode: '0644'
    - require:
      - pkg: snmpd-pkg

snmpd-service:
  service.running:
    - name: {{ snmpd.service }}
    - enable: True
    - watch:
      - file: snmpd-conf
      - file: snmpd-default
