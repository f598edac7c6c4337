nfs:
  threads: 16
  exports:
    /srv/nfs/home:
      mode: '0755'
      clients:
        192.168.10.0/24: [rw, sync, no_subtree_check, root_squash]
        10.1.0.5: [ro, sync, no_subtree_check]
    /srv/nfs/backup:
      owner: nobody
      group: nogroup
      mode: '0770'
      clients:
        backup.example.net: [rw, async, no_root_squash, no_subtree_check]
    /srv/nfs/media:
      clients:
        '*': [ro, all_squash, insecure, no_subtree_check]
        10.1.0.0/16: [rw, sync, no_subtree_check]
