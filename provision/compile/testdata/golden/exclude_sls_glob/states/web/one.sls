one: pkg.installed
