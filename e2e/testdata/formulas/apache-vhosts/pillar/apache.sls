apache:
  modules:
    - rewrite
    - headers
  sites:
    www-example:
      ServerName: www.example.org
      ServerAlias: [example.org]
      extra:
        ServerAdmin: webmaster@example.org
        LogLevel: warn
        Header: always set X-Frame-Options DENY
    intranet:
      ServerName: intranet.example.org
      port: 8080
      DocumentRoot: /srv/intranet
    legacy:
      ServerName: legacy.example.org
      enabled: false
