x: pkg.installed
