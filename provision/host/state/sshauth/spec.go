package sshauth

import "brine/provision/wire/spec"

// Spec declares the ssh_auth state functions; signatures from Salt
// 3007.1's salt/states/ssh_auth.py.
func Spec() *spec.Module {
	return &spec.Module{
		Funcs: map[string]*spec.Func{
			"present": spec.Fn("name, user str, enc='ssh-rsa', comment='', source='' ignored, options=None list, " +
				"config='.ssh/authorized_keys', fingerprint_hash_type=None ignored, **kwargs"),
			"absent": spec.Fn("name, user str, enc='ssh-rsa', comment='', source='' ignored, options=None list, " +
				"config='.ssh/authorized_keys', fingerprint_hash_type=None ignored"),
		},
	}
}

// Doc documents the sshauth state functions for sys.state_doc and the
// README (the controller's catalog; the executor does not link it).
func Doc() spec.Doc {
	return spec.Doc{
		Module: "SSH authorized keys of a user (~USER/.ssh/authorized_keys, or config).",
		Funcs: map[string]string{
			"present": "Make sure the key NAME (the base64 key, or a whole `ssh-ed25519 AAAA... comment` " +
				"line) is authorized for user with enc, comment and options: 'The authorized host key NAME for " +
				"user USER was added'.",
			"absent": "Make sure the key NAME is not authorized for user.",
		},
	}
}
