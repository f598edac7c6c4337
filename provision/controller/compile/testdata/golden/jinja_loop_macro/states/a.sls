{%- macro user(name, shell='/bin/bash') %}
user-{{ name }}:
  user.present:
    - name: {{ name }}
    - shell: {{ shell }}
{%- endmacro %}
{%- for u in ['ann', 'bob'] %}
{{ user(u) }}
{%- endfor %}
{{ user('svc', shell='/usr/sbin/nologin') }}
greeting:
  test.nop:
    - text: {{ "%s-%s" % ('a', 'b') }}
    - n: {{ "%03d" % 7 }}
    - s: "{{ "%03d" % 7 }}"
