{%- from tpldir ~ "/map.jinja" import motd with context %}
motd-pkg:
  pkg.installed:
    - name: {{ motd.pkg }}
{{ motd.path }}:
  file.managed:
    - contents: {{ motd.banner | yaml_dquote }}
    - require:
      - pkg: motd-pkg
