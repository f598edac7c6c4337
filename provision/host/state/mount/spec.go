package mount

import "brine/provision/wire/spec"

// Spec declares the mount state functions; signatures from Salt 3007.1's
// salt/states/mount.py.
func Spec() *spec.Module {
	return &spec.Module{
		Funcs: map[string]*spec.Func{
			"swap": spec.Fn("name, persist=True, config='/etc/fstab'"),
			"mounted": spec.Fn("name, device str, fstype str, mkmnt=False, opts='defaults' any, dump=0, pass_num=0, config='/etc/fstab', " +
				"persist=True, mount=True ignored, user=None ignored, match_on='auto' ignored, device_name_regex=None ignored, " +
				"extra_mount_invisible_options=None ignored, extra_mount_invisible_keys=None ignored, " +
				"extra_mount_ignore_fs_keys=None ignored, extra_mount_translate_options=None ignored, hidden_opts=None ignored, " +
				"bind_mount_copy_active_opts=True ignored, **kwargs"),
		},
	}
}

// Doc documents the mount state functions for sys.state_doc and the
// README (the controller's catalog; the executor does not link it).
func Doc() spec.Doc {
	return spec.Doc{
		Module: "Mounted file systems and swap, live and in /etc/fstab.",
		Funcs: map[string]string{
			"swap": "Activate the swap file or device NAME and, with persist, add it to config.",
			"mounted": "Make sure device is mounted on NAME with fstype and opts, and (persist) listed in " +
				"config; mkmnt creates the mount point.",
		},
	}
}
