# Modern form; one user per entry of a Jinja loop.
include:
  - groups

{%- set users = salt['pillar.get']('users', {'deploy': {'uid': 2001, 'shell': '/bin/bash'}}) %}
{%- for name, u in users | dictsort %}

user-{{ name }}:
  user.present:
    - name: {{ name }}
    - uid: {{ u.uid }}
    - shell: {{ u.get('shell', '/bin/bash') }}
    - home: /home/{{ name }}
    - createhome: True
    # optional_groups, not groups: the admins group is made by this same run
    # (the require below), and Salt's user.present checks groups before
    # anything else, in a dry run too, so `groups` would fail test=True on a
    # fresh host; an optional group missing from a dry run is skipped.
    - optional_groups:
      - admins
    - require:
      - group: admins
{%- endfor %}
