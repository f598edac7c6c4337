{% set vhosts = salt['pillar.get']('fn:vhosts', {}) %}
managed-new-source-no-mode:
  file.managed:
    - name: /srv/fn/new-source-no-mode.txt
    - source: salt://fnfile/static.txt

managed-new-source-mode-0640:
  file.managed:
    - name: /srv/fn/new-source-0640.txt
    - source: salt://fnfile/static.txt
    - mode: '0640'

managed-new-source-mode-0600:
  file.managed:
    - name: /srv/fn/new-source-0600.txt
    - source: salt://fnfile/static.txt
    - mode: '0600'

managed-new-template-context:
  file.managed:
    - name: /srv/fn/new-template.txt
    - source: salt://fnfile/template.j2
    - template: jinja
    - context:
        vhosts: {{ vhosts|json }}

managed-new-contents-no-mode:
  file.managed:
    - name: /srv/fn/new-contents-no-mode.txt
    - contents: {{ salt['pillar.get']('fn:motd')|yaml_encode }}

managed-new-contents-mode-0644:
  file.managed:
    - name: /srv/fn/new-contents-0644.txt
    - contents: contents with a mode
    - mode: '0644'

managed-new-empty:
  file.managed:
    - name: /srv/fn/new-empty.txt

managed-new-empty-mode-0640:
  file.managed:
    - name: /srv/fn/new-empty-0640.txt
    - mode: '0640'

managed-new-owner:
  file.managed:
    - name: /srv/fn/new-owner.txt
    - contents: owned by nobody
    - user: nobody
    - group: nogroup
    - mode: '0644'

managed-new-makedirs:
  file.managed:
    - name: /srv/fn/made/dirs/file.txt
    - contents: deep
    - makedirs: True

managed-new-no-parent:
  file.managed:
    - name: /srv/fn/no-such-dir/file.txt
    - contents: nowhere

managed-create-false:
  file.managed:
    - name: /srv/fn/not-created.txt
    - contents: never
    - create: False

managed-existing-differs:
  file.managed:
    - name: /srv/fn/existing-differs.txt
    - contents: new line
    - mode: '0644'

managed-existing-same:
  file.managed:
    - name: /srv/fn/existing-same.txt
    - contents: same

managed-existing-wrong-mode:
  file.managed:
    - name: /srv/fn/existing-wrong-mode.txt
    - contents: same
    - mode: '0644'

managed-existing-source-differs:
  file.managed:
    - name: /srv/fn/existing-source.txt
    - source: salt://fnfile/static.txt

managed-replace-false:
  file.managed:
    - name: /srv/fn/no-replace.txt
    - contents: replaced?
    - replace: False

managed-replace-false-mode:
  file.managed:
    - name: /srv/fn/no-replace.txt
    - contents: replaced?
    - replace: False
    - mode: '0640'
    - require:
      - file: managed-replace-false

managed-show-changes-false:
  file.managed:
    - name: /srv/fn/hidden-changes.txt
    - contents: secret new
    - show_changes: False

directory-new:
  file.directory:
    - name: /srv/fn/newdir

directory-new-mode-owner:
  file.directory:
    - name: /srv/fn/newdir-owned
    - user: nobody
    - group: nogroup
    - mode: '0750'

directory-new-makedirs:
  file.directory:
    - name: /srv/fn/deep/new/dir
    - makedirs: True

directory-correct:
  file.directory:
    - name: /srv/fn/dir-ok
    - mode: '0755'

directory-wrong-mode:
  file.directory:
    - name: /srv/fn/dir-wrong-mode
    - mode: '0755'

directory-no-parent:
  file.directory:
    - name: /srv/fn/nope/child

symlink-new:
  file.symlink:
    - name: /srv/fn/link-new
    - target: /srv/fn/existing-same.txt

symlink-correct:
  file.symlink:
    - name: /srv/fn/link-ok
    - target: /srv/fn/existing-same.txt

absent-existing:
  file.absent:
    - name: /srv/fn/absent-me.txt

absent-missing:
  file.absent:
    - name: /srv/fn/never-was.txt

touch-new:
  file.touch:
    - name: /srv/fn/touch-new.txt

copy-new:
  file.copy:
    - name: /srv/fn/copy-dst.txt
    - source: /srv/fn/copy-src.txt

rename-new:
  file.rename:
    - name: /srv/fn/rename-dst.txt
    - source: /srv/fn/rename-src.txt

append-lines:
  file.append:
    - name: /srv/fn/append.txt
    - text:
      - second
      - third

line-replace:
  file.line:
    - name: /srv/fn/edit.conf
    - mode: replace
    - match: ^a=
    - content: a=10

replace-pattern:
  file.replace:
    - name: /srv/fn/edit.conf
    - pattern: ^c=.*$
    - repl: c=30
    - require:
      - file: line-replace

uncomment-b:
  file.uncomment:
    - name: /srv/fn/edit.conf
    - regex: b=2
    - require:
      - file: replace-pattern

blockreplace-block:
  file.blockreplace:
    - name: /srv/fn/block.txt
    - marker_start: '# BEGIN managed'
    - marker_end: '# END managed'
    - content: new block

serialize-json:
  file.serialize:
    - name: /srv/fn/data.json
    - dataset:
        zeta: 1
        alpha: [1, 2]
        mid: {b: 1, a: 2}
    - serializer: json

serialize-yaml:
  file.serialize:
    - name: /srv/fn/data.yaml
    - dataset: {{ vhosts|json }}
    - serializer: yaml

recurse-tree:
  file.recurse:
    - name: /srv/fn/recurse-dst
    - source: salt://fnfile/tree

exists-yes:
  file.exists:
    - name: /srv/fn/existing-same.txt

missing-yes:
  file.missing:
    - name: /srv/fn/not-here.txt

{% for host, cfg in vhosts.items() %}
vhost-{{ host }}:
  file.managed:
    - name: /srv/fn/vhosts/{{ host }}.conf
    - makedirs: True
    - contents: 'listen {{ cfg.port }}; root {{ cfg.root }};'
    - require:
      - file: directory-new
      - file: directory-new
{% endfor %}

show-rendered:
  cmd.run:
    - name: cat /srv/fn/new-template.txt /srv/fn/data.json /srv/fn/data.yaml
    - require:
      - file: managed-new-template-context
      - file: serialize-json
      - file: serialize-yaml

managed-orders:
  file.managed:
    - name: /srv/fn/orders.txt
    - source: salt://fnfile/orders.j2
    - template: jinja

show-orders:
  cmd.run:
    - name: cat /srv/fn/orders.txt
    - require:
      - file: managed-orders
