b: pkg.installed
