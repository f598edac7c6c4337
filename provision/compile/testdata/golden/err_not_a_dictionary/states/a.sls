foo: bar
