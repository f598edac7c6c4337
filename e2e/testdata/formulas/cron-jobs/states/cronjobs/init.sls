{%- set cron = salt['pillar.get']('cron', {}) %}

{%- for user, settings in cron.get('users', {}).items() %}
{%- for name, value in settings.get('env', {}).items() %}

cron-{{ user }}-env-{{ name }}:
  cron.env_present:
    - name: {{ name }}
    - value: {{ value }}
    - user: {{ user }}
{%- endfor %}
{%- for id, job in settings.get('jobs', {}).items() %}

cron-{{ user }}-{{ id }}:
{%- if job.get('absent') %}
  cron.absent:
    - name: {{ job.command }}
    - user: {{ user }}
{%- else %}
  cron.present:
    - name: {{ job.command }}
    - user: {{ user }}
    - identifier: {{ id }}
{%- for field in ['minute', 'hour', 'daymonth', 'month', 'dayweek', 'special', 'comment'] %}
{%- if field in job %}
    - {{ field }}: {{ job[field]|yaml_encode }}
{%- endif %}
{%- endfor %}
{%- endif %}
{%- endfor %}
{%- endfor %}

{%- for name, job in cron.get('system', {}).items() %}

cron-system-{{ name }}:
  file.managed:
    - name: /etc/cron.d/{{ name }}
    - mode: '0644'
    - contents: |
        # {{ name }}: managed by Salt
        SHELL=/bin/sh
        PATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin
        {{ job.schedule }} {{ job.user }} {{ job.command }}
{%- endfor %}
