package builtin

import (
	"brine/provision/state"
	"brine/provision/state/archive"
	"brine/provision/state/cron"
	"brine/provision/state/git"
	"brine/provision/state/group"
	"brine/provision/state/host"
	"brine/provision/state/locale"
	"brine/provision/state/mount"
	"brine/provision/state/pkg"
	"brine/provision/state/pkgrepo"
	"brine/provision/state/service"
	"brine/provision/state/sshauth"
	"brine/provision/state/sysctl"
	"brine/provision/state/timezone"
	"brine/provision/state/user"
)

// addSystem registers the system modules (pkg, service, user, ...).
func addSystem(r state.Registry) {
	r["pkg"] = pkg.Module()
	r["pkgrepo"] = pkgrepo.Module()
	r["service"] = service.Module()
	r["user"] = user.Module()
	r["group"] = group.Module()
	r["cron"] = cron.Module()
	r["ssh_auth"] = sshauth.Module()
	r["host"] = host.Module()
	r["sysctl"] = sysctl.Module()
	r["timezone"] = timezone.Module()
	r["locale"] = locale.Module()
	r["mount"] = mount.Module()
	r["git"] = git.Module()
	r["archive"] = archive.Module()
}
