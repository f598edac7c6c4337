package service

import "brine/provision/wire/spec"

// Spec declares the service state functions; signatures from Salt 3007.1's
// salt/states/service.py (reload comes from its documented **kwargs).
func Spec() *spec.Module {
	return &spec.Module{
		Funcs: map[string]*spec.Func{
			"running":  spec.Fn("name, enable=None bool, sig=None ignored, init_delay=None float, **kwargs, reload=False, force=False"),
			"dead":     spec.Fn("name, enable=None bool, sig=None ignored, init_delay=None float, **kwargs"),
			"enabled":  spec.Fn("name, **kwargs"),
			"disabled": spec.Fn("name, **kwargs"),
			"masked":   spec.Fn("name, runtime=False"),
			"unmasked": spec.Fn("name, runtime=False"),
		},
	}
}

// Doc documents the service state functions for sys.state_doc and the
// README (the controller's catalog; the executor does not link it).
func Doc() spec.Doc {
	return spec.Doc{
		Module: "Services through the host's init system (systemd or SysV init scripts); a watched change " +
			"restarts (or reloads) a running service.",
		Funcs: map[string]string{
			"running": "Make sure the service is running ('Started service NAME', 'The service NAME is " +
				"already running'); enable: True/False also enables or disables it at boot.",
			"dead": "Make sure the service is stopped ('Service NAME was killed', 'The service NAME is " +
				"already dead'); enable as for service.running.",
			"enabled":  "Make sure the service starts at boot, without starting it now.",
			"disabled": "Make sure the service does not start at boot, without stopping it now.",
			"masked": "Mask the systemd unit NAME so nothing can start it ('Service NAME was masked'); " +
				"runtime: True masks it until the next reboot only.",
			"unmasked": "Unmask the systemd unit NAME ('Service NAME was unmasked', 'Service NAME is " +
				"already unmasked'); runtime: True removes only a runtime mask.",
		},
	}
}
