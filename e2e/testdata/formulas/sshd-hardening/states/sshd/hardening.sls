{%- from "sshd/map.jinja" import sshd with context %}
{%- set settings = salt['pillar.get']('sshd:settings', {}) %}
{%- set banner = salt['pillar.get']('sshd:banner', '') %}

sshd-server-pkg:
  pkg.installed:
    - name: {{ sshd.server_pkg }}

sshd-dropin-dir:
  file.directory:
    - name: {{ sshd.dropin_dir }}
    - mode: '0755'
    - require:
      - pkg: sshd-server-pkg

sshd-hardening-conf:
  file.managed:
    - name: {{ sshd.dropin_dir }}/50-hardening.conf
    - source: salt://sshd/files/hardening.conf.j2
    - template: jinja
    - mode: '0644'
    - check_cmd: /usr/sbin/sshd -t -f
    - context:
        settings: {{ settings|tojson }}
{%- if banner %}
        banner: /etc/issue.net
{%- endif %}
    - require:
      - file: sshd-dropin-dir

{%- if banner %}

sshd-banner:
  file.managed:
    - name: /etc/issue.net
    - contents: {{ banner|yaml_dquote }}
    - mode: '0644'
{%- endif %}

{%- for key in salt['pillar.get']('sshd:comment_in_main_config', []) %}

sshd-main-config-{{ key|lower }}:
  file.comment:
    - name: /etc/ssh/sshd_config
    - regex: '^{{ key }}\s'
    - char: '# '
    - require:
      - pkg: sshd-server-pkg
    - watch_in:
      - service: sshd-service
{%- endfor %}

sshd-service:
  service.running:
    - name: {{ sshd.service }}
    - enable: True
    - reload: True
    - watch:
      - file: sshd-hardening-conf
{%- if banner %}
      - file: sshd-banner
{%- endif %}
