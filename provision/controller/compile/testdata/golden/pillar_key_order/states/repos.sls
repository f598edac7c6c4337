{#- the apt-formula's loops: Salt's YAML renderer gives ordered dicts, so
    the states and the options come out in pillar file order -#}
{%- import_yaml "defaults.yaml" as defaults %}
{%- set merged = salt['defaults.merge'](defaults, {'mnew': 3, 'afirst': 4}) %}
{%- for repo, args in pillar['apt']['repositories'].items() %}
{%- set opts = [] %}
{%- for k, v in args.get('opts', {}).items() %}{% do opts.append(k ~ '=' ~ v) %}{% endfor %}
repo-{{ repo }}:
  test.nop:
    - line: "deb [{{ opts|join(' ') }}] {{ args.url }}"
{%- endfor %}
merged:
  test.nop:
    - keys: {{ merged.keys()|list|json }}
/etc/repos.conf:
  file.managed:
    - source: salt://files/repos.conf
    - template: jinja
    - context:
        repos: {{ pillar['apt']['repositories']|json(sort_keys=False) }}
