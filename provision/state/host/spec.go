package host

import "brine/provision/state/spec"

// Spec declares the host state functions; signatures from Salt 3007.1's
// salt/states/host.py.
func Spec() *spec.Module {
	return &spec.Module{
		Doc: "Entries of /etc/hosts.",
		Funcs: map[string]*spec.Func{
			"present": spec.Fn("Make sure the host name NAME resolves to ip (a list of addresses allowed): "+
				"'Added host NAME (IP)', 'Host NAME (IP) already present'.",
				"name, ip any, comment='' ignored, clean=False ignored"),
			"absent": spec.Fn("Make sure the host name NAME has no entry for ip.", "name, ip any"),
		},
	}
}
