{%- import_json "data.json" as data %}
{%- load_yaml as extra %}
name: svc
enabled: true
{%- endload %}
svc:
  test.nop:
    - ports: {{ data.ports | json }}
    - extra: {{ extra | json }}
    - count: {{ data.ports | length }}
