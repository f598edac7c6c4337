base: {'*': [common]}
