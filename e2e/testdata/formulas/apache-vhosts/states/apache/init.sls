{%- from "apache/map.jinja" import apache with context %}

apache-pkg:
  pkg.installed:
    - name: {{ apache.package }}

apache-service:
  service.running:
    - name: {{ apache.service }}
    - enable: True
    - require:
      - pkg: apache-pkg

apache-reload:
  module.wait:
    - name: service.reload
    - m_name: {{ apache.service }}
    - require:
      - service: apache-service

{%- for mod in salt['pillar.get']('apache:modules', []) %}

apache-mod-{{ mod }}:
  cmd.run:
    - name: a2enmod {{ mod }}
    - unless: test -e /etc/apache2/mods-enabled/{{ mod }}.load
    - require:
      - pkg: apache-pkg
    - watch_in:
      - service: apache-service
{%- endfor %}
