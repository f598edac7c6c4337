{%- set size_mb = salt['pillar.get']('swap:size_mb', 1024) %}
create-swapfile:
  cmd.run:
    - name: dd if=/dev/zero of=/swapfile bs=1M count={{ size_mb }} && chmod 600 /swapfile && mkswap /swapfile
    - creates: /swapfile

/swapfile:
  mount.swap:
    - persist: True
    - require:
      - cmd: create-swapfile
