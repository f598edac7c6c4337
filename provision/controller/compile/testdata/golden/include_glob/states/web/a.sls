a-pkg: pkg.installed
