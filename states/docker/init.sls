docker.io:
  pkg.installed: []

docker:
  group.present:
    - system: True
  service.running:
    - enable: True
    - require:
      - pkg: docker.io

{%- for user in salt['pillar.get']('docker:users', []) %}

docker-user-{{ user }}:
  user.present:
    - name: {{ user }}
    - optional_groups:
      - docker
    - remove_groups: False
    - require:
      - group: docker
{%- endfor %}
