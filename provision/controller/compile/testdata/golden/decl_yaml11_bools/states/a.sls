ssh:
  service.running:
    - enable: yes
    - reload: on
    - sig: "yes"
    - init_delay: 2.5
    - nothing: ~
