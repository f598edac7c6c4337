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
    - groups:
      - admins
    - require:
      - group: admins
{%- endfor %}
