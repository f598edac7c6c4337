package locale

import "brine/provision/state/spec"

// Spec declares the locale state functions; signatures from Salt 3007.1's
// salt/states/locale.py.
func Spec() *spec.Module {
	return &spec.Module{
		Doc: "Locales: generating them and the system default (LANG).",
		Funcs: map[string]*spec.Func{
			"present": spec.Fn("Make sure the locale NAME is generated (locale-gen): 'Generated locale NAME', "+
				"'Locale NAME is already present'.", "name"),
			"system": spec.Fn("Set the system default locale (LANG in /etc/default/locale, or through "+
				"localectl): 'Set system locale NAME', 'System locale NAME already set'.", "name"),
		},
	}
}
