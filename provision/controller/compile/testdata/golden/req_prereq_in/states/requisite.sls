site-code:
  file.managed:
    - name: /var/www/index.html
    - contents: x
    - prereq_in:
      - cmd: graceful-down
graceful-down:
  cmd.run:
    - name: service apache graceful
