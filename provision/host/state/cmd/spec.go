package cmd

import "brine/provision/wire/spec"

// Spec declares the cmd state functions; signatures from Salt 3007.1's
// salt/states/cmd.py.
func Spec() *spec.Module {
	return &spec.Module{
		Funcs: map[string]*spec.Func{
			"run": spec.Fn("name, cwd=None str, root=None ignored, runas=None str, shell=None str, env=None, prepend_path=None ignored, " +
				"stateful=False any, output_loglevel='debug' ignored, hide_output=False ignored, timeout=None float, " +
				"ignore_timeout=False, use_vt=False ignored, success_retcodes=None list, success_stdout=None ignored, " +
				"success_stderr=None ignored, **kwargs"),
			"script": spec.Fn("name file, source=None file, template=None str, cwd=None str, runas=None str, password=None ignored, shell=None str, " +
				"env=None, stateful=False any, timeout=None float, use_vt=False ignored, output_loglevel='debug' ignored, " +
				"hide_output=False ignored, defaults=None map, context=None map, success_retcodes=None list, " +
				"success_stdout=None ignored, success_stderr=None ignored, **kwargs"),
			"wait": spec.Fn("name, cwd=None str, root=None ignored, runas=None str, shell=None str, env=(), stateful=False any, " +
				"output_loglevel='debug' ignored, hide_output=False ignored, use_vt=False ignored, success_retcodes=None list, " +
				"success_stdout=None ignored, success_stderr=None ignored, **kwargs"),
			"wait_script": spec.Fn("name file, source=None file, template=None str, cwd=None str, runas=None str, shell=None str, env=None, " +
				"stateful=False any, use_vt=False ignored, output_loglevel='debug' ignored, hide_output=False ignored, " +
				"success_retcodes=None list, success_stdout=None ignored, success_stderr=None ignored, **kwargs"),
		},
	}
}

// Doc documents the cmd state functions for sys.state_doc and the
// README (the controller's catalog; the executor does not link it).
func Doc() spec.Doc {
	return spec.Doc{
		Module: "Run commands and scripts on the host. Use unless, onlyif or creates to make them idempotent; " +
			"cmd.wait and cmd.wait_script only run when a watched state changed.",
		Funcs: map[string]string{
			"run": "Run the shell command NAME with the login shell as Salt does ($SHELL: /bin/bash for root on Debian; or shell) as runas, in cwd, with env. " +
				"The result is True for exit 0 (or a code in success_retcodes) and the changes hold pid, retcode, " +
				"stdout and stderr; stateful commands report their own changed/comment on the last line of stdout. " +
				"In test mode the command is not run: 'Command \"NAME\" would have been executed' with the change {cmd: NAME}.",
			"script": "Run a script from salt:// (source, or NAME itself when it is a salt:// URL): the " +
				"compiler renders it with `template` and bundles it; the host runs it from a private temp " +
				"directory with cwd, runas, env and shell as cmd.run does.",
			"wait": "Like cmd.run, but only when a state it watches changed (its mod_watch runs the " +
				"command); otherwise True with no changes.",
			"wait_script": "Like cmd.script, but only when a state it watches changed.",
		},
	}
}
