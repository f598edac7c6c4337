postgresql: pkg.installed
