{%- set uu = salt['pillar.get']('unattended_upgrades', {}) %}
{%- set periodic = uu.get('periodic', {'Update-Package-Lists': 1, 'Unattended-Upgrade': 1}) %}

unattended-upgrades-pkgs:
  pkg.installed:
    - pkgs:
      - unattended-upgrades
      - apt-listchanges

unattended-upgrades-periodic:
  file.managed:
    - name: /etc/apt/apt.conf.d/20auto-upgrades
    - contents: |
{%- for key, value in periodic.items() %}
        APT::Periodic::{{ key }} "{{ value }}";
{%- endfor %}
    - require:
      - pkg: unattended-upgrades-pkgs

unattended-upgrades-config:
  file.managed:
    - name: /etc/apt/apt.conf.d/50unattended-upgrades
    - source: salt://unattended/files/50unattended-upgrades.j2
    - template: jinja
    - defaults:
        origins:
          - origin=Debian,codename=${distro_codename},label=Debian
          - origin=Debian,codename=${distro_codename},label=Debian-Security
        blacklist: []
        mail: ''
        remove_unused: false
        reboot: false
    - context: {{ uu.get('settings', {})|json }}
    - require:
      - pkg: unattended-upgrades-pkgs
