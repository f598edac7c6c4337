{%- set l10n = salt['pillar.get']('l10n', {}) %}

l10n-locales-pkg:
  pkg.installed:
    - name: locales

{%- for locale in l10n.get('present', []) %}

l10n-locale-{{ locale }}:
  locale.present:
    - name: {{ locale }}
    - require:
      - pkg: l10n-locales-pkg
    - require_in:
      - locale: l10n-default-locale
{%- endfor %}

l10n-default-locale:
  locale.system:
    - name: {{ l10n.default }}

l10n-timezone:
  timezone.system:
    - name: {{ l10n.timezone }}
    - utc: {{ l10n.get('utc', True) }}

l10n-keyboard:
  file.managed:
    - name: /etc/default/keyboard
    - contents: |
{%- for key, value in l10n.get('keyboard', {}).items() %}
        {{ key|upper }}="{{ value }}"
{%- endfor %}
