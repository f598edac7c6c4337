package sshauth

import "brine/provision/wire/spec"

// Spec declares the ssh_auth state functions; signatures from Salt
// 3007.1's salt/states/ssh_auth.py.
func Spec() *spec.Module {
	return &spec.Module{
		Funcs: map[string]*spec.Func{
			"present": spec.Fn("name, user str, enc='ssh-rsa', comment='', source='' raw, options=None list, " +
				"config='.ssh/authorized_keys', fingerprint_hash_type=None ignored, **kwargs"),
			"absent": spec.Fn("name, user str, enc='ssh-rsa', comment='', source='' raw, options=None list, " +
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
				"line) is authorized for user with enc, comment and options: 'The authorized host key KEY for " +
				"user USER was added'; a key that is not base64 fails ('Invalid public ssh key...'). With source " +
				"(a salt:// file in authorized_keys format) the file's keys are added, as Salt reads them.",
			"absent": "Make sure the key NAME (or every key of the source file) is not authorized for user.",
		},
	}
}
