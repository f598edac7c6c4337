package pip

import "brine/provision/wire/spec"

// Spec declares the pip state functions; signatures from Salt 3007.1's
// salt/states/pip_state.py.
func Spec() *spec.Module {
	return &spec.Module{
		Funcs: map[string]*spec.Func{
			"installed": spec.Fn("name, pkgs=None list, pip_bin=None str, requirements=None str raw, bin_env=None str, use_wheel=False ignored, " +
				"no_use_wheel=False ignored, log=None str, proxy=None str, timeout=None any, repo=None ignored, " +
				"editable=None str, find_links=None list, index_url=None str, extra_index_url=None str, no_index=False, " +
				"mirrors=None ignored, build=None ignored, target=None str, download=None ignored, download_cache=None ignored, " +
				"source=None ignored, upgrade=False, force_reinstall=False, ignore_installed=False, exists_action=None str, " +
				"no_deps=False, no_install=False ignored, no_download=False ignored, install_options=None ignored, " +
				"global_options=None ignored, user=None str, cwd=None str, pre_releases=False, cert=None str, " +
				"allow_all_external=False ignored, allow_external=None ignored, allow_unverified=None ignored, " +
				"process_dependency_links=False ignored, env_vars=None map, use_vt=False ignored, trusted_host=None str, " +
				"no_cache_dir=False, cache_dir=None ignored, no_binary=None str, extra_args=None list, **kwargs"),
		},
	}
}

// Doc documents the pip state functions for sys.state_doc and the
// README (the controller's catalog; the executor does not link it).
func Doc() spec.Doc {
	return spec.Doc{
		Module: "Python packages with pip: the system Python's (python3 -m pip) or bin_env's.",
		Funcs: map[string]string{
			"installed": "Make sure the Python package NAME (a requirement such as requests==2.31.0), " +
				"every package of pkgs, a requirements file (salt:// files are bundled) or an editable " +
				"checkout is installed: 'All packages were successfully installed' with {NAME==VERSION: " +
				"Installed} changes, 'Python package NAME was already installed'; test mode 'Python package " +
				"NAME is set to be installed'. On a PEP 668 system Python (Debian 12) pip refuses, as it does " +
				"under Salt; install into a virtualenv with bin_env, or pass extra_args: " +
				"['--break-system-packages'] (or env_vars: {PIP_BREAK_SYSTEM_PACKAGES: '1'}).",
		},
	}
}
