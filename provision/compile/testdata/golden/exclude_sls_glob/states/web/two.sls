two: pkg.installed
