{%- import_yaml "logrotate/defaults.yaml" as defaults %}
{%- set logrotate = salt['pillar.get']('logrotate', default=defaults.logrotate, merge=True) %}

logrotate-pkg:
  pkg.installed:
    - name: {{ logrotate.package }}

logrotate-conf:
  file.managed:
    - name: {{ logrotate.conf_file }}
    - source: salt://logrotate/files/logrotate.conf.j2
    - template: jinja
    - context:
        config: {{ logrotate.default_config|json }}
        include_dir: {{ logrotate.include_dir }}
    - require:
      - pkg: logrotate-pkg

{%- for key, job in logrotate.jobs.items() %}

logrotate-{{ key }}:
  file.managed:
    - name: {{ logrotate.include_dir }}/{{ key.split('/')[-1] }}
    - source: salt://logrotate/files/job.j2
    - template: jinja
    - mode: '0644'
    - context:
        path: {{ job.get('path', [key])|json }}
        data: {{ job.get('config', [])|json }}
    - require:
      - pkg: logrotate-pkg
      - file: logrotate-conf
{%- endfor %}
