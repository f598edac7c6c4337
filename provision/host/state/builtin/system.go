package builtin

import (
	"brine/provision/host/state"
	"brine/provision/host/state/alternatives"
	"brine/provision/host/state/archive"
	"brine/provision/host/state/cmd"
	"brine/provision/host/state/cron"
	"brine/provision/host/state/file"
	"brine/provision/host/state/git"
	"brine/provision/host/state/group"
	"brine/provision/host/state/host"
	"brine/provision/host/state/ini"
	"brine/provision/host/state/locale"
	"brine/provision/host/state/module"
	"brine/provision/host/state/mount"
	"brine/provision/host/state/pip"
	"brine/provision/host/state/pkg"
	"brine/provision/host/state/pkgrepo"
	"brine/provision/host/state/service"
	"brine/provision/host/state/sshauth"
	"brine/provision/host/state/sshknownhosts"
	"brine/provision/host/state/sysctl"
	"brine/provision/host/state/test"
	"brine/provision/host/state/timezone"
	"brine/provision/host/state/user"
	"brine/provision/wire/spec"
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

// specs maps every built-in state module's Salt name to its spec and its
// documentation.
func specs() map[string]catalogEntry {
	return map[string]catalogEntry{
		"file":            {file.Spec, file.Doc},
		"cmd":             {cmd.Spec, cmd.Doc},
		"test":            {test.Spec, test.Doc},
		"module":          {module.Spec, module.Doc},
		"pkg":             {pkg.Spec, pkg.Doc},
		"pkgrepo":         {pkgrepo.Spec, pkgrepo.Doc},
		"pip":             {pip.Spec, pip.Doc},
		"service":         {service.Spec, service.Doc},
		"user":            {user.Spec, user.Doc},
		"group":           {group.Spec, group.Doc},
		"cron":            {cron.Spec, cron.Doc},
		"ssh_auth":        {sshauth.Spec, sshauth.Doc},
		"ssh_known_hosts": {sshknownhosts.Spec, sshknownhosts.Doc},
		"host":            {host.Spec, host.Doc},
		"sysctl":          {sysctl.Spec, sysctl.Doc},
		"timezone":        {timezone.Spec, timezone.Doc},
		"locale":          {locale.Spec, locale.Doc},
		"mount":           {mount.Spec, mount.Doc},
		"git":             {git.Spec, git.Doc},
		"archive":         {archive.Spec, archive.Doc},
		"alternatives":    {alternatives.Spec, alternatives.Doc},
		"ini":             {ini.Spec, ini.Doc},
	}
}

// catalogEntry is a module's spec and documentation.
type catalogEntry struct {
	spec func() *spec.Module
	doc  func() spec.Doc
}
