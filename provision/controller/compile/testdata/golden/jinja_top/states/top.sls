base:
  '*':
    - common
{% if grains['os'] == 'Debian' %}
    - debian
{% endif %}
