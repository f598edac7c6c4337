openssh-server:
  pkg.installed: []

/etc/ssh/sshd_config.d/brine.conf:
  file.managed:
    - source: salt://ssh/files/brine.conf
    - user: root
    - group: root
    - mode: 600
    - makedirs: True
    - require:
      - pkg: openssh-server
    - watch_in:
      - service: ssh-service

ssh-service:
  service.running:
    - name: ssh
    - enable: True
    - require:
      - pkg: openssh-server
