package ini

import "brine/provision/wire/spec"

// Spec declares the ini state functions; signatures from Salt 3007.1's
// salt/states/ini_manage.py.
func Spec() *spec.Module {
	return &spec.Module{
		Funcs: map[string]*spec.Func{
			"options_present": spec.Fn("name, sections=None map, separator='=', strict=False"),
		},
	}
}

// Doc documents the ini state functions for sys.state_doc and the
// README (the controller's catalog; the executor does not link it).
func Doc() spec.Doc {
	return spec.Doc{
		Module: "Options in ini-style files, read and written as Salt's ini_manage does: comments and " +
			"unknown lines keep their place, options are written `key = value`.",
		Funcs: map[string]string{
			"options_present": "Set options in the ini file NAME: sections maps a section to its " +
				"options (a value that is not a dictionary is an option above the first section). strict " +
				"removes the options of the named sections that sections does not list. 'Changes take " +
				"effect' with {key: {before, after}} changes, or 'No anomaly detected'; test mode says " +
				"'Changed key KEY in section SECTION.' per option. New options are added in sorted order " +
				"(Salt adds them in SLS order), or in place of a commented-out `key = ...` line.",
		},
	}
}
