base:
  webserver:
    - match: nodegroup
    - web
