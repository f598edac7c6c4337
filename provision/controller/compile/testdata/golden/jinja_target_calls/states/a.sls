{% set has_hostname = salt['file.file_exists']('/etc/hostname') %}
{% set again = salt['file.file_exists']('/etc/hostname') %}
{% set confs = salt['file.readdir']('/etc/app.d') %}
{% set root_login = salt['file.contains_regex']('/etc/ssh/sshd_config', '^PermitRootLogin no') %}
{% set host = salt['cmd.run']('hostname') %}
{% set nginx = salt['pkg.version']('nginx') %}
facts:
  test.nop:
    - hostname_file: {{ has_hostname }}
    - again: {{ again }}
    - no_dir: {{ salt.file.directory_exists('/nope') }}
    - confs: {{ confs | json }}
    - root_login: {{ root_login }}
    - host: {{ host }}
    - nginx: '{{ nginx }}'
    - vim: '{{ salt['pkg.version']('vim') }}'
    - missing_callable: {{ salt['no_such.fn'] is callable }}
    - known_callable: {{ salt['file.file_exists'] is callable }}
    - missing_defined: {{ salt['no_such.fn'] is defined }}
    - missing_in: {{ 'no_such.fn' in salt }}

/etc/motd:
  file.managed:
    - source: salt://motd.j2
    - template: jinja
