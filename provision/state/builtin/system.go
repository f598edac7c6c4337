package builtin

import (
	"brine/provision/state"
	"brine/provision/state/alternatives"
	"brine/provision/state/archive"
	"brine/provision/state/cmd"
	"brine/provision/state/cron"
	"brine/provision/state/file"
	"brine/provision/state/git"
	"brine/provision/state/group"
	"brine/provision/state/host"
	"brine/provision/state/ini"
	"brine/provision/state/locale"
	"brine/provision/state/module"
	"brine/provision/state/mount"
	"brine/provision/state/pip"
	"brine/provision/state/pkg"
	"brine/provision/state/pkgrepo"
	"brine/provision/state/service"
	"brine/provision/state/spec"
	"brine/provision/state/sshauth"
	"brine/provision/state/sshknownhosts"
	"brine/provision/state/sysctl"
	"brine/provision/state/test"
	"brine/provision/state/timezone"
	"brine/provision/state/user"
)

// modules maps every built-in state module's Salt name to its constructor.
func modules() map[string]func() *state.Module {
	return map[string]func() *state.Module{
		"file":            file.Module,
		"cmd":             cmd.Module,
		"test":            test.Module,
		"module":          module.Module,
		"pkg":             pkg.Module,
		"pkgrepo":         pkgrepo.Module,
		"pip":             pip.Module,
		"service":         service.Module,
		"user":            user.Module,
		"group":           group.Module,
		"cron":            cron.Module,
		"ssh_auth":        sshauth.Module,
		"ssh_known_hosts": sshknownhosts.Module,
		"host":            host.Module,
		"sysctl":          sysctl.Module,
		"timezone":        timezone.Module,
		"locale":          locale.Module,
		"mount":           mount.Module,
		"git":             git.Module,
		"archive":         archive.Module,
		"alternatives":    alternatives.Module,
		"ini":             ini.Module,
	}
}

// specs maps every built-in state module's Salt name to its spec.
func specs() map[string]func() *spec.Module {
	return map[string]func() *spec.Module{
		"file":            file.Spec,
		"cmd":             cmd.Spec,
		"test":            test.Spec,
		"module":          module.Spec,
		"pkg":             pkg.Spec,
		"pkgrepo":         pkgrepo.Spec,
		"pip":             pip.Spec,
		"service":         service.Spec,
		"user":            user.Spec,
		"group":           group.Spec,
		"cron":            cron.Spec,
		"ssh_auth":        sshauth.Spec,
		"ssh_known_hosts": sshknownhosts.Spec,
		"host":            host.Spec,
		"sysctl":          sysctl.Spec,
		"timezone":        timezone.Spec,
		"locale":          locale.Spec,
		"mount":           mount.Spec,
		"git":             git.Spec,
		"archive":         archive.Spec,
		"alternatives":    alternatives.Spec,
		"ini":             ini.Spec,
	}
}
