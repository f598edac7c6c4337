a: pkg.installed
