GMT: timezone.system
ntp-pkg: pkg.installed
