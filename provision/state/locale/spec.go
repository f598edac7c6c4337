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
			"system": spec.Fn("Set the system default locale: localectl set-locale when systemd runs, "+
				"otherwise update-locale and LANG=\"NAME\" in /etc/default/locale, as Salt's localemod does: "+
				"'Set system locale NAME', 'System locale NAME already set'; test mode 'System locale NAME "+
				"needs to be set'.", "name"),
		},
	}
}
