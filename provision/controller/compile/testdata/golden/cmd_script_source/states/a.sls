setup.sh:
  cmd.script:
    - source: salt://scripts/setup.sh
    - creates: /opt/done
