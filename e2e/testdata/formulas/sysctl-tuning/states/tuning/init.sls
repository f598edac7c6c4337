{%- set tuning = salt['pillar.get']('tuning', {}) %}

{%- for group, params in tuning.get('files', {}).items() %}
tuning-file-{{ group }}:
  file.managed:
    - name: /etc/sysctl.d/60-{{ group }}.conf
    - contents: |
        # {{ group }}, managed by Salt
{%- for key, value in params.items() %}
        {{ key }} = {{ value }}
{%- endfor %}
    - mode: '0644'
{%- endfor %}

{%- for key, value in tuning.get('live', {}).items() %}

tuning-live-{{ key }}:
  sysctl.present:
    - name: {{ key }}
    - value: {{ value }}
    - config: /etc/sysctl.d/99-salt-live.conf
{%- endfor %}

tuning-reload:
  cmd.run:
    - name: sysctl --system >/dev/null 2>&1; echo reloaded
    - onchanges:
{%- for group in tuning.get('files', {}) %}
      - file: tuning-file-{{ group }}
{%- endfor %}
