package git

import "brine/provision/wire/spec"

// Spec declares the git state functions; signatures from Salt 3007.1's
// salt/states/git.py.
func Spec() *spec.Module {
	return &spec.Module{
		Funcs: map[string]*spec.Func{
			"latest": spec.Fn("name, target str, rev='HEAD' any, branch=None str, user=None str, password=None ignored, " +
				"update_head=True ignored, force_checkout=False ignored, force_clone=False, force_fetch=False ignored, " +
				"force_reset=False any, submodules=False ignored, bare=False ignored, mirror=False ignored, " +
				"remote='origin' ignored, fetch_tags=True ignored, sync_tags=True ignored, depth=None int, identity=None ignored, " +
				"https_user=None ignored, https_pass=None ignored, refspec_branch='*' ignored, refspec_tag='*' ignored, " +
				"output_encoding=None ignored, **kwargs"),
			"config_set": spec.Fn("name, value=None any, multivar=None any, repo=None str, user=None str, password=None ignored, " +
				"output_encoding=None ignored, **kwargs, global=False"),
		},
	}
}

// Doc documents the git state functions for sys.state_doc and the
// README (the controller's catalog; the executor does not link it).
func Doc() spec.Doc {
	return spec.Doc{
		Module: "Git checkouts and git configuration, with the host's git.",
		Funcs: map[string]string{
			"latest": "Clone the repository NAME into target, or fetch and move it to rev (branch, tag " +
				"or commit; default HEAD): 'NAME cloned to TARGET', 'Repository TARGET is up-to-date'; a dry run never contacts the remote.",
			"config_set": "Set the git configuration key NAME to value (or to the list multivar) in " +
				"repo's local configuration, or the user's global one with global: True: \"'NAME' was added " +
				"as 'VALUE'\", \"'NAME' is already set to 'VALUE'\"; changes {NAME: {old, new}} hold the " +
				"lists of values.",
		},
	}
}
