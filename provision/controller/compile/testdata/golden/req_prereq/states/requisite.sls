graceful-down:
  cmd.run:
    - name: service apache graceful
    - prereq:
      - file: site-code
site-code:
  file.managed:
    - name: /var/www/index.html
    - contents: x
