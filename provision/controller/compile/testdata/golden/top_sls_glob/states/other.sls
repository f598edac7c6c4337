other: pkg.installed
