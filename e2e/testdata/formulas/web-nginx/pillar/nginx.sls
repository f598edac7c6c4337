nginx:
  worker_connections: 1024
  server_tokens: 'off'
  http_extra:
    gzip: 'on'
    client_max_body_size: 16m
    gzip_types: text/plain application/json
  vhosts:
    www.example.org:
      aliases: [example.org]
      locations:
        /:
          try_files: $uri $uri/ =404
        /static/:
          expires: 7d
          access_log: 'off'
    api.example.org:
      port: 8080
      locations:
        /:
          proxy_pass: http://127.0.0.1:9000
          proxy_set_header: Host $host
    blog.example.org:
      root: /srv/blog/public
      enabled: false
