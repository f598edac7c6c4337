package test

import "brine/provision/state/spec"

// Spec declares the test state functions; signatures from Salt 3007.1's
// salt/states/test.py.
func Spec() *spec.Module {
	return &spec.Module{
		Doc: "States that do nothing but return a chosen result: for trying requisites and outputters.",
		Funcs: map[string]*spec.Func{
			"succeed_without_changes": spec.Fn("Return True with no changes: 'Success!'.", "name, **kwargs"),
			"nop":                     spec.Fn("Do nothing and succeed: 'Success!' (a placeholder for requisites).", "name, **kwargs"),
			"succeed_with_changes": spec.Fn("Return True with a made-up change (None in test mode).",
				"name, **kwargs"),
			"fail_without_changes": spec.Fn("Return False with no changes: 'Failure!'.", "name, **kwargs"),
			"fail_with_changes":    spec.Fn("Return False with a made-up change.", "name, **kwargs"),
			"show_notification": spec.Fn("Return True with text as the comment, changing nothing.",
				"name, text=None str, **kwargs"),
			"configurable_test_state": spec.Fn("Return the result, changes and comment you choose (True, False or "+
				"'Random'); in test mode the result is None when there would be changes, unless "+
				"allow_test_mode_failure lets a False through.",
				"name, changes=True any, result=True any, comment='', warnings=None list, allow_test_mode_failure=False ignored"),
		},
	}
}
