apache:
  pkg.installed:
    - name: apache2
/srv/www:
  file.directory: []
