{%- set m = salt['grains.filter_by']({'default': {'x': 'dflt'}, 'RedHat': {'x': 'rh'}}) %}
{%- set b = salt['grains.filter_by']({'base': {'x': 'b', 'y': 'base'}, 'Debian': {'x': 'deb'}}, base='base') %}
{%- set g = salt['grains.filter_by']({'Deb*': 'glob', 'Other': 'no'}, grain='os') %}
r:
  test.nop:
    - m: {{ m.x }}
    - bx: {{ b.x }}
    - by: {{ b.y }}
    - g: {{ g }}
