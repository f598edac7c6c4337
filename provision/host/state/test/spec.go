package test

import "brine/provision/wire/spec"

// Spec declares the test state functions; signatures from Salt 3007.1's
// salt/states/test.py.
func Spec() *spec.Module {
	return &spec.Module{
		Funcs: map[string]*spec.Func{
			"succeed_without_changes": spec.Fn("name, **kwargs"),
			"nop":                     spec.Fn("name, **kwargs"),
			"succeed_with_changes":    spec.Fn("name, **kwargs"),
			"fail_without_changes":    spec.Fn("name, **kwargs"),
			"fail_with_changes":       spec.Fn("name, **kwargs"),
			"show_notification":       spec.Fn("name, text=None str, **kwargs"),
			"configurable_test_state": spec.Fn("name, changes=True any, result=True any, comment='', warnings=None list, allow_test_mode_failure=False ignored"),
		},
	}
}

// Doc documents the test state functions for sys.state_doc and the
// README (the controller's catalog; the executor does not link it).
func Doc() spec.Doc {
	return spec.Doc{
		Module: "States that do nothing but return a chosen result: for trying requisites and outputters.",
		Funcs: map[string]string{
			"succeed_without_changes": "Return True with no changes: 'Success!'.",
			"nop":                     "Do nothing and succeed: 'Success!' (a placeholder for requisites).",
			"succeed_with_changes":    "Return True with a made-up change (None in test mode).",
			"fail_without_changes":    "Return False with no changes: 'Failure!'.",
			"fail_with_changes":       "Return False with a made-up change.",
			"show_notification":       "Return True with text as the comment, changing nothing.",
			"configurable_test_state": "Return the result, changes and comment you choose (True, False or " +
				"'Random'); in test mode the result is None when there would be changes, unless " +
				"allow_test_mode_failure lets a False through.",
		},
	}
}
