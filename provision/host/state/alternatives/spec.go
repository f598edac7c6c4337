package alternatives

import "brine/provision/wire/spec"

// Spec declares the alternatives state functions; signatures from Salt
// 3007.1's salt/states/alternatives.py.
func Spec() *spec.Module {
	return &spec.Module{
		Funcs: map[string]*spec.Func{
			"set":     spec.Fn("name, path str"),
			"install": spec.Fn("name, link str, path str, priority int"),
			"auto":    spec.Fn("name"),
			"remove":  spec.Fn("name, path str"),
		},
	}
}

// Doc documents the alternatives state functions for sys.state_doc and the
// README (the controller's catalog; the executor does not link it).
func Doc() spec.Doc {
	return spec.Doc{
		Module: "The alternatives system (update-alternatives): which program a generic name such as " +
			"editor or java points to.",
		Funcs: map[string]string{
			"set": "Point the link group NAME at path, which must already be one of its alternatives: " +
				"'Alternative for NAME set to path PATH', 'Alternative for NAME already set to PATH', " +
				"'Alternative PATH for NAME doesn't exist'.",
			"install": "Register path as an alternative of NAME behind the generic link with priority: " +
				"'Alternative for NAME set to path PATH with priority N', 'Alternative PATH for NAME is already " +
				"registered'.",
			"auto": "Put the link group NAME back in automatic mode (highest priority wins): " +
				"'NAME already in auto mode'.",
			"remove": "Unregister path as an alternative of NAME: 'Alternative for NAME removed. " +
				"Falling back to path ...'.",
		},
	}
}
