package group

import "brine/provision/wire/spec"

// Spec declares the group state functions; signatures from Salt 3007.1's
// salt/states/group.py.
func Spec() *spec.Module {
	return &spec.Module{
		Funcs: map[string]*spec.Func{
			"present": spec.Fn("name, gid=None int, system=False, addusers=None list, delusers=None list, members=None list, " +
				"non_unique=False ignored, local=False ignored"),
			"absent": spec.Fn("name, local=False ignored"),
		},
	}
}

// Doc documents the group state functions for sys.state_doc and the
// README (the controller's catalog; the executor does not link it).
func Doc() spec.Doc {
	return spec.Doc{
		Module: "Local groups (/etc/group) through groupadd, groupmod and gpasswd.",
		Funcs: map[string]string{
			"present": "Make sure the group exists with gid and members (exactly members, or addusers " +
				"and delusers): 'New group NAME created', 'Group NAME is present and up to date'.",
			"absent": "Make sure the group does not exist ('Removed group NAME').",
		},
	}
}
