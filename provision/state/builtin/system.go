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
