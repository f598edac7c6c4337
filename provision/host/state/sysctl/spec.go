package sysctl

import "brine/provision/wire/spec"

// Spec declares the sysctl state functions; signatures from Salt 3007.1's
// salt/states/sysctl.py.
func Spec() *spec.Module {
	return &spec.Module{
		Funcs: map[string]*spec.Func{
			"present": spec.Fn("name, value any, config=None str"),
		},
	}
}

// Doc documents the sysctl state functions for sys.state_doc and the
// README (the controller's catalog; the executor does not link it).
func Doc() spec.Doc {
	return spec.Doc{
		Module: "Kernel parameters: the running value (sysctl -w) and the persistent one in config.",
		Funcs: map[string]string{
			"present": "Make sure the kernel parameter NAME has value now and after a reboot (written to " +
				"config, default /etc/sysctl.d/99-salt.conf): 'Updated sysctl value NAME = VALUE'.",
		},
	}
}
