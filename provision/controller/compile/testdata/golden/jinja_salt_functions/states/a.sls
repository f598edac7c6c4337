{%- set os = salt['grains.get']('os') %}
{%- set deep = salt.grains.get('nested:key', 'none') %}
{%- set cfg = salt['config.get']('id') %}
{%- set merged = salt['slsutil.merge']({'a': 1, 'b': {'c': 1}}, {'b': {'d': 2}}) %}
{%- set joined = salt['file.join']('/etc', 'app', 'x.conf') %}
{%- do salt['log.debug']('ignored') %}
info:
  test.nop:
    - os: {{ os }}
    - deep: {{ deep }}
    - cfg: {{ cfg }}
    - merged: {{ merged | json }}
    - joined: {{ joined }}
    - dir: {{ salt['file.dirname'](joined) }}
    - base: {{ salt.file.basename(joined) }}
    - truth: {{ salt['test.true']() }}
