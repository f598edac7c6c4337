run-simple:
  cmd.run:
    - name: echo hello

run-bash-syntax:
  cmd.run:
    - name: if [[ "abc" == a* ]]; then echo bash; fi; echo ${BASH_VERSINFO[0]}

run-shell-var:
  cmd.run:
    - name: echo "SHELL=$SHELL"; readlink /proc/$$/exe

run-umask:
  cmd.run:
    - name: umask; touch /srv/cmd/umask-file; stat -c %a /srv/cmd/umask-file

run-explicit-sh:
  cmd.run:
    - name: echo $0
    - shell: /bin/sh

run-unless-true:
  cmd.run:
    - name: echo never
    - unless: 'true'

run-unless-false:
  cmd.run:
    - name: echo unless false ran
    - unless: 'false'

run-onlyif-false:
  cmd.run:
    - name: echo never
    - onlyif: 'false'

run-onlyif-true:
  cmd.run:
    - name: echo onlyif true ran
    - onlyif: 'test -d /srv/cmd'

run-creates-exists:
  cmd.run:
    - name: echo never
    - creates: /srv/cmd/created

run-creates-missing:
  cmd.run:
    - name: touch /srv/cmd/made-by-creates
    - creates: /srv/cmd/made-by-creates

run-runas:
  cmd.run:
    - name: id -un; echo $HOME; pwd
    - runas: nobody

run-cwd-env:
  cmd.run:
    - name: pwd; echo "$GREETING $TARGET"
    - cwd: /srv/cmd
    - env:
      - GREETING: hello
      - TARGET: world

run-fails:
  cmd.run:
    - name: echo to stderr >&2; exit 3

run-success-retcodes:
  cmd.run:
    - name: exit 3
    - success_retcodes: [3]

run-stateful:
  cmd.run:
    - name: |
        echo first line
        echo "changed=no comment='nothing to do'"
    - stateful: True

run-stderr-only:
  cmd.run:
    - name: echo only stderr >&2

wait-triggered:
  cmd.wait:
    - name: echo wait ran
    - watch:
      - cmd: run-simple

wait-not-triggered:
  cmd.wait:
    - name: echo never
    - watch:
      - cmd: run-creates-exists

run-onchanges:
  cmd.run:
    - name: echo onchanges ran
    - onchanges:
      - cmd: run-simple

script-source:
  cmd.script:
    - name: salt://fncmd/script.sh
    - args: one two

script-template:
  cmd.script:
    - name: templated
    - source: salt://fncmd/templated.sh
    - template: jinja
    - context:
        word: context-word
