yum: pkg.installed
