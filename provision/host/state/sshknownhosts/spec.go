package sshknownhosts

import "brine/provision/wire/spec"

// Spec declares the ssh_known_hosts state functions; signatures from Salt
// 3007.1's salt/states/ssh_known_hosts.py.
func Spec() *spec.Module {
	return &spec.Module{
		Funcs: map[string]*spec.Func{
			"present": spec.Fn("name, user=None str, fingerprint=None str, key=None str, port=None int, enc=None str, config=None str, " +
				"hash_known_hosts=True, timeout=5, fingerprint_hash_type=None str"),
			"absent": spec.Fn("name, user=None str, config=None str"),
		},
	}
}

// Doc documents the sshknownhosts state functions for sys.state_doc and the
// README (the controller's catalog; the executor does not link it).
func Doc() spec.Doc {
	return spec.Doc{
		Module: "SSH known_hosts entries (/etc/ssh/ssh_known_hosts, or a user's ~/.ssh/known_hosts), " +
			"with the host's ssh-keygen and ssh-keyscan as Salt uses them.",
		Funcs: map[string]string{
			"present": "Make sure the host NAME is known: with key (and enc) that key is stored, " +
				"otherwise the host's keys are fetched with ssh-keyscan and, with fingerprint, checked " +
				"against it. 'NAME's key saved to CONFIG (key: ...)', 'NAME already exists in CONFIG'; test " +
				"mode 'Key for NAME is set to be added to CONFIG'. hash_known_hosts hashes the file " +
				"(ssh-keygen -H, which keeps a .old copy).",
			"absent": "Remove the host NAME from the known_hosts file (ssh-keygen -R): 'Host is " +
				"already absent'.",
		},
	}
}
