package builtin

import (
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
	"brine/provision/state/sshauth"
	"brine/provision/state/sshknownhosts"
	"brine/provision/state/sysctl"
	"brine/provision/state/test"
	"brine/provision/state/timezone"
	"brine/provision/state/user"
)

// modules lists every built-in state module once; Registry and Catalog are
// both built from it.
func modules() []entry {
	return []entry{
		{"file", file.Module, file.Spec},
		{"cmd", cmd.Module, cmd.Spec},
		{"test", test.Module, test.Spec},
		{"module", module.Module, module.Spec},
		{"pkg", pkg.Module, pkg.Spec},
		{"pkgrepo", pkgrepo.Module, pkgrepo.Spec},
		{"pip", pip.Module, pip.Spec},
		{"service", service.Module, service.Spec},
		{"user", user.Module, user.Spec},
		{"group", group.Module, group.Spec},
		{"cron", cron.Module, cron.Spec},
		{"ssh_auth", sshauth.Module, sshauth.Spec},
		{"ssh_known_hosts", sshknownhosts.Module, sshknownhosts.Spec},
		{"host", host.Module, host.Spec},
		{"sysctl", sysctl.Module, sysctl.Spec},
		{"timezone", timezone.Module, timezone.Spec},
		{"locale", locale.Module, locale.Spec},
		{"mount", mount.Module, mount.Spec},
		{"git", git.Module, git.Spec},
		{"archive", archive.Module, archive.Spec},
		{"alternatives", alternatives.Module, alternatives.Spec},
		{"ini", ini.Module, ini.Spec},
	}
}
