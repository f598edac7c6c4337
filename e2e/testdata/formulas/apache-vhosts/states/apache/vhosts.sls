{%- from "apache/map.jinja" import apache with context %}

include:
  - apache

{%- for id, site in salt['pillar.get']('apache:sites', {}).items() %}
{%- set docroot = site.get('DocumentRoot', apache.wwwdir ~ '/' ~ site.get('ServerName', id)) %}

apache-vhost-{{ id }}:
  file.managed:
    - name: {{ apache.vhostdir }}/{{ id }}{{ apache.confext }}
    - source: salt://apache/files/vhost.conf.j2
    - template: jinja
    - context:
        id: {{ id|json }}
        site: {{ site|json }}
        docroot: {{ docroot }}
    - require:
      - pkg: apache-pkg
    - watch_in:
      - module: apache-reload
    - require_in:
      - module: apache-reload
      - service: apache-service

apache-vhost-{{ id }}-docroot:
  file.directory:
    - name: {{ docroot }}
    - user: {{ apache.user }}
    - group: {{ apache.group }}
    - makedirs: True

{%- if site.get('enabled', True) %}

apache-vhost-{{ id }}-a2ensite:
  cmd.run:
    - name: a2ensite {{ id }}{{ apache.confext }}
    - unless: test -f /etc/apache2/sites-enabled/{{ id }}{{ apache.confext }}
    - require:
      - file: apache-vhost-{{ id }}
    - watch_in:
      - module: apache-reload
    - require_in:
      - module: apache-reload
      - service: apache-service
{%- else %}

apache-vhost-{{ id }}-a2dissite:
  cmd.run:
    - name: a2dissite {{ id }}{{ apache.confext }}
    - onlyif: test -f /etc/apache2/sites-enabled/{{ id }}{{ apache.confext }}
    - require:
      - file: apache-vhost-{{ id }}
    - watch_in:
      - module: apache-reload
{%- endif %}
{%- endfor %}
