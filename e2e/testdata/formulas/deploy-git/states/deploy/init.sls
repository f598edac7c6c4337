{%- set app = salt['pillar.get']('deploy', {}) %}
{%- set home = '/home/' ~ app.user %}

deploy-user:
  user.present:
    - name: {{ app.user }}
    - shell: /bin/bash
    - home: {{ home }}

deploy-key:
  ssh_auth.present:
    - name: {{ app.ssh_key }}
    - user: {{ app.user }}
    - require:
      - user: deploy-user

deploy-git:
  pkg.installed:
    - name: git

deploy-origin:
  cmd.run:
    - name: |
        set -euo pipefail
        git init -q --bare -b main {{ app.origin }}
        tmp=$(mktemp -d)
        git -C "$tmp" init -q -b main
        printf 'echo building %s\n' "{{ app.name }}" > "$tmp/build.sh"
        git -C "$tmp" add build.sh
        GIT_AUTHOR_DATE='2024-06-01T12:00:00Z' GIT_COMMITTER_DATE='2024-06-01T12:00:00Z' \
          git -C "$tmp" -c user.email=ci@example.org -c user.name=ci commit -q -m 'first release'
        git -C "$tmp" push -q {{ app.origin }} main
        rm -rf "$tmp"
        chown -R {{ app.user }}: {{ app.origin }}
    - creates: {{ app.origin }}
    - require:
      - pkg: deploy-git
      - user: deploy-user

deploy-dir:
  file.directory:
    - name: {{ app.dir }}
    - user: {{ app.user }}
    - group: {{ app.user }}
    - mode: '0755'
    - require:
      - user: deploy-user

deploy-checkout:
  git.latest:
    - name: {{ app.origin }}
    - target: {{ app.dir }}/current
    - rev: main
    - branch: main
    - user: {{ app.user }}
    - require:
      - file: deploy-dir
      - cmd: deploy-origin

deploy-env:
  file.managed:
    - name: {{ app.dir }}/.env
    - user: {{ app.user }}
    - group: {{ app.user }}
    - mode: '0600'
    - contents: |
{%- for key, value in app.env.items() %}
        {{ key }}={{ value }}
{%- endfor %}
    - require:
      - file: deploy-dir

deploy-build:
  cmd.run:
    - name: |
        set -euo pipefail
        cd {{ app.dir }}/current
        if [[ -f build.sh ]]; then bash build.sh; fi
        echo "built $(git rev-parse --short HEAD | wc -c) chars"
    - runas: {{ app.user }}
    - onchanges:
      - git: deploy-checkout
