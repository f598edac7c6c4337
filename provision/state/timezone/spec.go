package timezone

import "brine/provision/state/spec"

// Spec declares the timezone state functions; signatures from Salt
// 3007.1's salt/states/timezone.py.
func Spec() *spec.Module {
	return &spec.Module{
		Doc: "The system time zone and whether the hardware clock keeps UTC.",
		Funcs: map[string]*spec.Func{
			"system": spec.Fn("Set the time zone NAME (/etc/localtime, /etc/timezone) and the hardware clock to "+
				"UTC or local time: 'Set timezone NAME', 'Timezone NAME already set, UTC already set to NAME'; "+
				"in test mode 'Timezone NAME needs to be set'.",
				"name, utc=True"),
		},
	}
}
