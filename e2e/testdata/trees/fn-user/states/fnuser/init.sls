group-new:
  group.present:
    - name: deployers
    - gid: 3300

group-new-system:
  group.present:
    - name: svcgroup
    - system: True

group-existing:
  group.present:
    - name: oldgroup

group-existing-gid-change:
  group.present:
    - name: oldgroup
    - gid: 3101
    - require:
      - group: group-existing

user-new-home-created:
  user.present:
    - name: alice
    - uid: 3301
    - shell: /bin/bash
    - fullname: Alice Admin
    - groups:
      - deployers
    - require:
      - group: group-new

user-new-home-not-created:
  user.present:
    - name: nohome
    - uid: 3302
    - home: /srv/homes/nohome
    - createhome: False

user-new-system:
  user.present:
    - name: svcuser
    - system: True
    - shell: /usr/sbin/nologin
    - home: /var/lib/svcuser

user-existing-same:
  user.present:
    - name: olduser
    - uid: 3100

user-existing-shell-change:
  user.present:
    - name: olduser
    - shell: /bin/bash
    - require:
      - user: user-existing-same

user-existing-groups-change:
  user.present:
    - name: olduser
    - groups:
      - deployers
    - require:
      - group: group-new
      - user: user-existing-shell-change

user-absent-existing:
  user.absent:
    - name: gone

user-absent-missing:
  user.absent:
    - name: never-there

sshauth-key-line:
  ssh_auth.present:
    - name: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMn/EXdxnXQO7kRSbZ8KCzxxZygii+O73aGVv9WAx05 alice@laptop
    - user: alice
    - require:
      - user: user-new-home-created

sshauth-bare-key-enc-comment:
  ssh_auth.present:
    - name: AAAAC3NzaC1lZDI1NTE5AAAAINjDW9n5EhhK8OqvMSppiq3gkwmaU3n4gzoawFHC1Dxg
    - user: alice
    - enc: ed25519
    - comment: bob@desk
    - require:
      - user: user-new-home-created

sshauth-options:
  ssh_auth.present:
    - name: AAAAC3NzaC1lZDI1NTE5AAAAIOiQA3R37jVRGy32QAvfZwpRecVy4NOS65o8quUjws8c
    - user: alice
    - enc: ssh-ed25519
    - comment: carol@ci
    - options:
      - no-pty
      - from="10.0.0.0/8"
    - require:
      - user: user-new-home-created

sshauth-existing-same:
  ssh_auth.present:
    - name: AAAAC3NzaC1lZDI1NTE5AAAAIOiQA3R37jVRGy32QAvfZwpRecVy4NOS65o8quUjws8c
    - user: olduser
    - enc: ssh-ed25519
    - comment: carol@ci

sshauth-existing-comment-change:
  ssh_auth.present:
    - name: AAAAC3NzaC1lZDI1NTE5AAAAINjDW9n5EhhK8OqvMSppiq3gkwmaU3n4gzoawFHC1Dxg
    - user: olduser
    - enc: ssh-ed25519
    - comment: bob@desk

sshauth-invalid-key:
  ssh_auth.present:
    - name: not-a-real-key
    - user: olduser

sshauth-invalid-base64:
  ssh_auth.present:
    - name: ssh-ed25519 AAAA!!notbase64 someone
    - user: olduser

sshauth-source:
  ssh_auth.present:
    - name: team-keys
    - user: nohome
    - source: salt://fnuser/team.pub
    - config: /srv/keys/nohome_authorized_keys
    - require:
      - user: user-new-home-not-created

sshauth-source-missing:
  ssh_auth.present:
    - name: missing-keys
    - user: olduser
    - source: salt://fnuser/no-such.pub

sshauth-absent-key:
  ssh_auth.absent:
    - name: AAAAC3NzaC1lZDI1NTE5AAAAIOiQA3R37jVRGy32QAvfZwpRecVy4NOS65o8quUjws8c
    - user: olduser
    - require:
      - ssh_auth: sshauth-existing-same

sshauth-absent-missing-key:
  ssh_auth.absent:
    - name: AAAAC3NzaC1lZDI1NTE5AAAAIOMn/EXdxnXQO7kRSbZ8KCzxxZygii+O73aGVv9WAx05
    - user: olduser

sshauth-absent-source:
  ssh_auth.absent:
    - name: team-keys-gone
    - user: olduser
    - source: salt://fnuser/team.pub
    - require:
      - ssh_auth: sshauth-existing-comment-change

user-existing-home-missing:
  user.present:
    - name: homeless
    - home: /home/homeless
