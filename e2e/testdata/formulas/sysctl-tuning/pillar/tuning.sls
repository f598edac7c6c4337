tuning:
  files:
    network:
      net.core.somaxconn: 4096
      net.ipv4.tcp_fin_timeout: 15
      net.ipv4.ip_local_port_range: 10240 65000
      net.ipv4.tcp_tw_reuse: 1
    memory:
      vm.swappiness: 10
      vm.dirty_ratio: 15
      vm.overcommit_memory: 1
    fs:
      fs.inotify.max_user_watches: 524288
      fs.file-max: 2097152
  live:
    vm.swappiness: 10
    net.core.somaxconn: 4096
