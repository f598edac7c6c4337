db: pkg.installed
