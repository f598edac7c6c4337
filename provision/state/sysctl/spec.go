package sysctl

import "brine/provision/state/spec"

// Spec declares the sysctl state functions; signatures from Salt 3007.1's
// salt/states/sysctl.py.
func Spec() *spec.Module {
	return &spec.Module{
		Doc: "Kernel parameters: the running value (sysctl -w) and the persistent one in config.",
		Funcs: map[string]*spec.Func{
			"present": spec.Fn("Make sure the kernel parameter NAME has value now and after a reboot (written to "+
				"config, default /etc/sysctl.d/99-salt.conf): 'Updated sysctl value NAME = VALUE'.",
				"name, value any, config=None str"),
		},
	}
}
