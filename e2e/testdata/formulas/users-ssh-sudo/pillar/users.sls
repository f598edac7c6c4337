groups:
  ops:
    gid: 4000
  developers:
    gid: 4001
  auditors: {}
users:
  carol:
    uid: 4101
    fullname: Carol Ops
    groups: [ops, developers]
    ssh_keys:
      - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOiQA3R37jVRGy32QAvfZwpRecVy4NOS65o8quUjws8c carol@ci
      - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMn/EXdxnXQO7kRSbZ8KCzxxZygii+O73aGVv9WAx05 carol@laptop
    sudo_rules:
      - 'ALL=(ALL) NOPASSWD: ALL'
  alice:
    uid: 4102
    fullname: Alice Dev
    groups: [developers]
    ssh_keys:
      - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINjDW9n5EhhK8OqvMSppiq3gkwmaU3n4gzoawFHC1Dxg alice@desk
    sudo_rules:
      - 'ALL=(root) NOPASSWD: /usr/bin/systemctl restart myapp'
      - 'ALL=(root) NOPASSWD: /usr/bin/journalctl'
  backup:
    shell: /usr/sbin/nologin
    createhome: false
    groups: [auditors]
  leaver:
    absent: true
