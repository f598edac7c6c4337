package user

import "brine/provision/wire/spec"

// Spec declares the user state functions; signatures from Salt 3007.1's
// salt/states/user.py.
func Spec() *spec.Module {
	return &spec.Module{
		Funcs: map[string]*spec.Func{
			"present": spec.Fn("name, uid=None int, gid=None any, usergroup=None ignored, groups=None list, optional_groups=None list, " +
				"remove_groups=True, home=None str, createhome=True, password=None str, hash_password=False ignored, " +
				"enforce_password=True ignored, empty_password=False ignored, shell=None str, unique=True ignored, " +
				"system=False, fullname=None str, roomnumber=None ignored, workphone=None ignored, homephone=None ignored, " +
				"other=None ignored, loginclass=None ignored, date=None ignored, mindays=None ignored, maxdays=None ignored, " +
				"inactdays=None ignored, warndays=None ignored, expire=None ignored, win_homedrive=None ignored, " +
				"win_profile=None ignored, win_logonscript=None ignored, win_description=None ignored, nologinit=False ignored, " +
				"allow_uid_change=False ignored, allow_gid_change=False ignored, password_lock=None ignored, local=False ignored"),
			"absent": spec.Fn("name, purge=False, force=False ignored, local=False ignored"),
		},
	}
}

// Doc documents the user state functions for sys.state_doc and the
// README (the controller's catalog; the executor does not link it).
func Doc() spec.Doc {
	return spec.Doc{
		Module: "Local user accounts (/etc/passwd, /etc/shadow, /etc/group) through useradd, usermod and userdel.",
		Funcs: map[string]string{
			"present": "Make sure the user exists with the given uid, gid, groups, home, shell, fullname " +
				"and password hash: 'New user NAME created', 'Updated user NAME', 'User NAME is present and up to " +
				"date'. groups are exact unless remove_groups is False; optional_groups are added when they exist.",
			"absent": "Make sure the user does not exist ('Removed user NAME'); purge also removes the home " +
				"directory.",
		},
	}
}
