package locale

import "brine/provision/wire/spec"

// Spec declares the locale state functions; signatures from Salt 3007.1's
// salt/states/locale.py.
func Spec() *spec.Module {
	return &spec.Module{
		Funcs: map[string]*spec.Func{
			"present": spec.Fn("name"),
			"system":  spec.Fn("name"),
		},
	}
}

// Doc documents the locale state functions for sys.state_doc and the
// README (the controller's catalog; the executor does not link it).
func Doc() spec.Doc {
	return spec.Doc{
		Module: "Locales: generating them and the system default (LANG).",
		Funcs: map[string]string{
			"present": "Make sure the locale NAME is generated (locale-gen): 'Generated locale NAME', " +
				"'Locale NAME is already present'.",
			"system": "Set the system default locale: localectl set-locale when systemd runs, " +
				"otherwise update-locale and LANG=\"NAME\" in /etc/default/locale, as Salt's localemod does: " +
				"'Set system locale NAME', 'System locale NAME already set'; test mode 'System locale NAME " +
				"needs to be set'.",
		},
	}
}
