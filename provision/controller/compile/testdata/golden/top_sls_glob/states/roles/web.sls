nginx: pkg.installed
