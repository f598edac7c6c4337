{%- set postfix = salt['pillar.get']('postfix', {}) %}
{%- set config = postfix.get('config', {}) %}

postfix-debconf:
  cmd.run:
    - name: |
        echo "postfix postfix/main_mailer_type select Satellite system" | debconf-set-selections
        echo "postfix postfix/mailname string {{ config.myhostname }}" | debconf-set-selections
        echo "postfix postfix/relayhost string {{ config.relayhost }}" | debconf-set-selections
    - unless: dpkg -s postfix >/dev/null 2>&1

postfix-pkg:
  pkg.installed:
    - pkgs:
      - postfix
      - libsasl2-modules
    - require:
      - cmd: postfix-debconf

postfix-main-cf:
  file.managed:
    - name: /etc/postfix/main.cf
    - source: salt://postfix/files/main.cf.j2
    - template: jinja
    - context:
        config: {{ config|json }}
    - require:
      - pkg: postfix-pkg

postfix-sasl-passwd:
  file.managed:
    - name: /etc/postfix/sasl_passwd
    - contents: '{{ config.relayhost }} {{ postfix.sasl_user }}:{{ postfix.sasl_password }}'
    - mode: '0600'
    - require:
      - pkg: postfix-pkg

postfix-postmap:
  cmd.wait:
    - name: postmap /etc/postfix/sasl_passwd
    - watch:
      - file: postfix-sasl-passwd

{%- for alias, target in postfix.get('aliases', {}).items() %}

postfix-alias-{{ alias }}:
  file.replace:
    - name: /etc/aliases
    - pattern: '^{{ alias }}:.*$'
    - repl: '{{ alias }}: {{ target }}'
    - append_if_not_found: True
    - require:
      - pkg: postfix-pkg
    - watch_in:
      - cmd: postfix-newaliases
{%- endfor %}

postfix-newaliases:
  cmd.wait:
    - name: newaliases

postfix-service:
  service.running:
    - name: postfix
    - enable: True
    - watch:
      - file: postfix-main-cf
      - cmd: postfix-postmap
