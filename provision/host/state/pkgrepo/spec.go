package pkgrepo

import statespec "brine/provision/wire/spec"

// Spec declares the pkgrepo state functions; signatures from Salt 3007.1's
// salt/states/pkgrepo.py, followed by the documented **kwargs brine
// implements for apt.
func Spec() *statespec.Module {
	return &statespec.Module{
		Funcs: map[string]*statespec.Func{
			"managed": statespec.Fn("name, ppa=None ignored, copr=None ignored, aptkey=True ignored, **kwargs, file=None str, " +
				"key_url=None raw, keyring=None str, signedby=None str, architectures=None str, comps=None str, " +
				"dist=None str, refresh=True, refresh_db=True"),
			"absent": statespec.Fn("name, **kwargs"),
		},
	}
}

// Doc documents the pkgrepo state functions for sys.state_doc and the
// README (the controller's catalog; the executor does not link it).
func Doc() statespec.Doc {
	return statespec.Doc{
		Module: "Package repositories: apt sources (one-line `deb ...` entries in /etc/apt/sources.list.d) " +
			"with their signing keys.",
		Funcs: map[string]string{
			"managed": "Make sure the repository NAME (a `deb ...` line) is configured in file, with its " +
				"key from key_url (salt://, or http(s) downloaded on the controller) stored in keyring and referenced by signed-by; refresh updates the package " +
				"index after a change.",
			"absent": "Remove the repository NAME from the apt sources.",
		},
	}
}
