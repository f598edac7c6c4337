c: pkg.installed
