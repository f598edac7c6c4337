{#- A formula-style state: map.jinja + grains.filter_by + import_yaml +
    pillar lookups + a `template: jinja` file. -#}
{%- from tpldir ~ "/map.jinja" import motd with context %}

motd-file:
  file.managed:
    - name: {{ motd.path }}
    - source: salt://{{ tpldir }}/files/motd.jinja
    - template: jinja
    - user: {{ motd.user }}
    - group: {{ motd.group }}
    - mode: {{ motd.mode }}
    - context:
        motd: {{ motd | json }}

{%- if motd.issue_net %}

motd-issue-net:
  file.managed:
    - name: {{ motd.issue_net }}
    - contents: {{ motd.banner | yaml_dquote }}
    - user: {{ motd.user }}
    - group: {{ motd.group }}
    - mode: {{ motd.mode }}
{%- endif %}
