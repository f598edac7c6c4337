{%- import_yaml tpldir ~ "/defaults.yaml" as defaults %}
{%- set groups = salt['pillar.get']('groups', {}) %}
{%- set users = salt['pillar.get']('users', {}) %}

{%- for group, g in groups.items() %}
users-group-{{ group }}:
  group.present:
    - name: {{ group }}
{%- if g and g.gid is defined %}
    - gid: {{ g.gid }}
{%- endif %}
{%- endfor %}

{%- for name, u in users.items() %}
{%- set user = salt['defaults.merge'](defaults, u, in_place=False) %}
{%- if user.absent %}

users-{{ name }}-absent:
  user.absent:
    - name: {{ name }}
    - purge: True
{%- else %}

users-{{ name }}:
  user.present:
    - name: {{ name }}
    - shell: {{ user.shell }}
    - createhome: {{ user.createhome }}
{%- if user.uid is defined %}
    - uid: {{ user.uid }}
{%- endif %}
{%- if user.fullname is defined %}
    - fullname: {{ user.fullname }}
{%- endif %}
{%- if user.groups %}
    - groups: {{ user.groups|json }}
{%- endif %}
    - require:
{%- for group in user.groups %}
      - group: users-group-{{ group }}
{%- endfor %}
      - group: users-group-{{ groups.keys()|first }}

{%- for key in user.ssh_keys %}

users-{{ name }}-key-{{ loop.index }}:
  ssh_auth.present:
    - name: {{ key }}
    - user: {{ name }}
    - require:
      - user: users-{{ name }}
{%- endfor %}

{%- if user.sudo_rules %}

users-{{ name }}-sudoers:
  file.managed:
    - name: /etc/sudoers.d/{{ name }}
    - source: salt://users/files/sudoers.j2
    - template: jinja
    - mode: '0440'
    - check_cmd: /usr/sbin/visudo -c -f
    - context:
        name: {{ name }}
        rules: {{ user.sudo_rules|json }}
    - require:
      - user: users-{{ name }}
{%- endif %}
{%- endif %}
{%- endfor %}
