{%- from "nfs/map.jinja" import nfs with context %}
{%- set exports = salt['pillar.get']('nfs:exports', {}) %}

nfs-server-pkgs:
  pkg.installed:
    - pkgs: {{ nfs.server_pkgs|json }}

{%- for path, export in exports.items() %}

nfs-export-dir-{{ loop.index }}:
  file.directory:
    - name: {{ path }}
    - user: {{ export.get('owner', 'root') }}
    - group: {{ export.get('group', 'root') }}
    - mode: '{{ export.get('mode', '0755') }}'
    - makedirs: True
    - require_in:
      - file: nfs-exports-file
{%- endfor %}

nfs-exports-file:
  file.managed:
    - name: {{ nfs.exports_file }}
    - source: salt://nfs/files/exports.j2
    - template: jinja
    - user: root
    - group: root
    - mode: '0644'
    - context:
        exports: {{ exports|tojson }}
    - require:
      - pkg: nfs-server-pkgs

nfs-server-threads:
  file.replace:
    - name: {{ nfs.defaults_file }}
    - pattern: '^RPCNFSDCOUNT=.*$'
    - repl: 'RPCNFSDCOUNT={{ salt['pillar.get']('nfs:threads', 8) }}'
    - require:
      - pkg: nfs-server-pkgs

nfs-exportfs:
  cmd.run:
    - name: exportfs -ra
    - onchanges:
      - file: nfs-exports-file
