package module

import "brine/provision/wire/spec"

// Spec declares the module state functions; signatures from Salt 3007.1's
// salt/states/module.py.
func Spec() *spec.Module {
	return &spec.Module{
		Funcs: map[string]*spec.Func{
			"run":   spec.Fn("**kwargs"),
			"wait":  spec.Fn("name, **kwargs"),
			"watch": spec.Fn("name, **kwargs"),
		},
	}
}

// Doc documents the module state functions for sys.state_doc and the
// README (the controller's catalog; the executor does not link it).
func Doc() spec.Doc {
	return spec.Doc{
		Module: "Call execution module functions as states: any host function brine has (the ones " +
			"`brine '*' sys.list_functions` lists, cmd.run, service.systemctl_reload, file.get_hash, " +
			"pkg.refresh_db ...), with the ad-hoc command line's arguments and returns; any other is " +
			"\"Unavailable\", in a dry run too.",
		Funcs: map[string]string{
			"run": "Run one or more execution module functions, new style (`- test.ping: []`, " +
				"`- cmd.run: [{cmd: ls}]`) or old style (name: the function, args/kwargs): True when each " +
				"succeeded, with their return under changes.",
			"wait":  "Like module.run, but only when a watched state changed.",
			"watch": "An alias of module.wait.",
		},
	}
}
