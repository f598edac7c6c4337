unattended_upgrades:
  periodic:
    Update-Package-Lists: 1
    Download-Upgradeable-Packages: 1
    Unattended-Upgrade: 1
    AutocleanInterval: 7
  settings:
    blacklist:
      - linux-image-*
      - postgresql-15
    mail: ops@example.org
    remove_unused: true
    reboot: true
    reboot_time: '03:30'
