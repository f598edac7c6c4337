base:
  webservers:
    - match: nodegroup
    - web
  dbs:
    - match: nodegroup
    - db
  'N@frontends and not G@roles:legacy':
    - match: compound
    - front
  frontends:
    - match: nodegroup
    - front-any
