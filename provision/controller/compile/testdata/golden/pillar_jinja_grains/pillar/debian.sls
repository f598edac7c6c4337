pkgs:
  ssh: {{ 'openssh-server' if grains['os_family'] == 'Debian' else 'openssh' }}
host: {{ grains['id'] }}
