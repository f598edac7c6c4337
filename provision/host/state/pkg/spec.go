package pkg

import "brine/provision/wire/spec"

// Spec declares the pkg state functions; signatures from Salt 3007.1's
// salt/states/pkg.py (hold comes from its documented **kwargs).
func Spec() *spec.Module {
	return &spec.Module{
		Funcs: map[string]*spec.Func{
			"installed": spec.Fn("name, version=None str, refresh=None bool, fromrepo=None str, skip_verify=False ignored, " +
				"skip_suggestions=False ignored, pkgs=None list, sources=None ignored, allow_updates=False ignored, " +
				"pkg_verify=False ignored, normalize=True ignored, ignore_epoch=None ignored, reinstall=False ignored, " +
				"update_holds=False ignored, **kwargs, hold=False"),
			"latest": spec.Fn("name, refresh=None bool, fromrepo=None str, skip_verify=False ignored, pkgs=None list, " +
				"watch_flags=True ignored, **kwargs"),
			"removed": spec.Fn("name, version=None str, pkgs=None list, normalize=True ignored, ignore_epoch=None ignored, **kwargs"),
			"purged":  spec.Fn("name, version=None str, pkgs=None list, normalize=True ignored, ignore_epoch=None ignored, **kwargs"),
		},
	}
}

// Doc documents the pkg state functions for sys.state_doc and the
// README (the controller's catalog; the executor does not link it).
func Doc() spec.Doc {
	return spec.Doc{
		Module: "Install, upgrade and remove packages with the host's package manager (apt, dnf/yum, apk).",
		Funcs: map[string]string{
			"installed": "Make sure NAME (or every package of pkgs, each optionally pinned to a version) is " +
				"installed: 'The following packages were installed/updated: ...', 'All specified packages are " +
				"already installed'; version: latest resolves to the newest available version. refresh updates " +
				"the package index first; hold pins the packages.",
			"latest":  "Make sure NAME (or pkgs) is installed at the newest available version.",
			"removed": "Remove NAME (or pkgs), keeping its configuration files.",
			"purged":  "Remove NAME (or pkgs) with its configuration files.",
		},
	}
}
