package timezone

import "brine/provision/wire/spec"

// Spec declares the timezone state functions; signatures from Salt
// 3007.1's salt/states/timezone.py.
func Spec() *spec.Module {
	return &spec.Module{
		Funcs: map[string]*spec.Func{
			"system": spec.Fn("name, utc=True"),
		},
	}
}

// Doc documents the timezone state functions for sys.state_doc and the
// README (the controller's catalog; the executor does not link it).
func Doc() spec.Doc {
	return spec.Doc{
		Module: "The system time zone and whether the hardware clock keeps UTC.",
		Funcs: map[string]string{
			"system": "Set the time zone NAME: /etc/localtime (compared by content, as Salt's " +
				"zone_compare does, so Etc/UTC counts as UTC) becomes a link into /usr/share/zoneinfo and " +
				"/etc/timezone names it; utc: True (the default) makes the hardware clock keep UTC " +
				"(/etc/default/rcS or /etc/adjtime), utc: False changes nothing, as in Salt. 'Set timezone NAME', " +
				"'Timezone NAME already set, UTC already set to NAME'; test mode 'Timezone NAME needs to be set'.",
		},
	}
}
