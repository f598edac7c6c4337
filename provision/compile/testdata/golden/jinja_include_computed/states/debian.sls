apt: pkg.installed
