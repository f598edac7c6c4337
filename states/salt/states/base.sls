# The seed article's salt/states/base.sls, modern form.
/srv/salt/base:
  file.directory:
    - user: root
    - group: root
    - mode: 700
    - makedirs: True

base_states:
  git.latest:
    - name: https://github.com/madflojo/salt-base.git
    - target: /srv/salt/base
    - force_reset: True
    - require:
      - file: /srv/salt/base
