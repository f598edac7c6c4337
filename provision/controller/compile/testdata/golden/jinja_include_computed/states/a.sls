include:
{% for x in ['b', 'c'] %}
  - {{ x }}
{% endfor %}
{% if grains['os'] == 'Debian' %}
  - debian
{% endif %}
{% if grains['os'] == 'RedHat' %}
  - redhat
{% endif %}
