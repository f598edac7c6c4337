package alternatives

import "brine/provision/state/spec"

// Spec declares the alternatives state functions; signatures from Salt
// 3007.1's salt/states/alternatives.py.
func Spec() *spec.Module {
	return &spec.Module{
		Doc: "The alternatives system (update-alternatives): which program a generic name such as " +
			"editor or java points to.",
		Funcs: map[string]*spec.Func{
			"set": spec.Fn("Point the link group NAME at path, which must already be one of its alternatives: "+
				"'Alternative for NAME set to path PATH', 'Alternative for NAME already set to PATH', "+
				"'Alternative PATH for NAME doesn't exist'.", "name, path str"),
			"install": spec.Fn("Register path as an alternative of NAME behind the generic link with priority: "+
				"'Alternative for NAME set to path PATH with priority N', 'Alternative PATH for NAME is already "+
				"registered'.", "name, link str, path str, priority int"),
			"auto": spec.Fn("Put the link group NAME back in automatic mode (highest priority wins): "+
				"'NAME already in auto mode'.", "name"),
			"remove": spec.Fn("Unregister path as an alternative of NAME: 'Alternative for NAME removed. "+
				"Falling back to path ...'.", "name, path str"),
		},
	}
}
