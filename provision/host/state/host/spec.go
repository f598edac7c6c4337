package host

import "brine/provision/wire/spec"

// Spec declares the host state functions; signatures from Salt 3007.1's
// salt/states/host.py.
func Spec() *spec.Module {
	return &spec.Module{
		Funcs: map[string]*spec.Func{
			"present": spec.Fn("name, ip any, comment='' ignored, clean=False ignored"),
			"absent":  spec.Fn("name, ip any"),
		},
	}
}

// Doc documents the host state functions for sys.state_doc and the
// README (the controller's catalog; the executor does not link it).
func Doc() spec.Doc {
	return spec.Doc{
		Module: "Entries of /etc/hosts.",
		Funcs: map[string]string{
			"present": "Make sure the host name NAME resolves to ip (a list of addresses allowed): " +
				"'Added host NAME (IP)', 'Host NAME (IP) already present'.",
			"absent": "Make sure the host name NAME has no entry for ip.",
		},
	}
}
