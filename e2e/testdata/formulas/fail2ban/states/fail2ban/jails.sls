{%- from "fail2ban/map.jinja" import fail2ban with context %}

include:
  - fail2ban

fail2ban-jail-local:
  file.managed:
    - name: {{ fail2ban.config_dir }}/jail.local
    - source: salt://fail2ban/files/jail.local.j2
    - template: jinja
    - context:
        defaults: {{ fail2ban.defaults|json }}
        jails: {{ fail2ban.jails|tojson }}
    - require:
      - pkg: fail2ban-pkg
    - watch_in:
      - service: fail2ban-service

{%- for name, filter in fail2ban.filters.items() %}

fail2ban-filter-{{ name }}:
  file.managed:
    - name: {{ fail2ban.config_dir }}/filter.d/{{ name }}.local
    - contents: |
        [Definition]
        failregex = {{ filter.failregex }}
        ignoreregex = {{ filter.get('ignoreregex', '') }}
    - require:
      - pkg: fail2ban-pkg
    - watch_in:
      - service: fail2ban-service
{%- endfor %}
