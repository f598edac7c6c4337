package cron

import "brine/provision/wire/spec"

// Spec declares the cron state functions; signatures from Salt 3007.1's
// salt/states/cron.py.
func Spec() *spec.Module {
	return &spec.Module{
		Funcs: map[string]*spec.Func{
			"present": spec.Fn("name, user='root', minute='*' any, hour='*' any, daymonth='*' any, month='*' any, dayweek='*' any, " +
				"comment=None str, commented=False, identifier=False any, special=None str"),
			"absent":      spec.Fn("name, user='root', identifier=False any, special=None str, **kwargs"),
			"env_present": spec.Fn("name, value=None any, user='root'"),
			"env_absent":  spec.Fn("name, user='root'"),
			"file": spec.Fn("name file, source_hash='' ignored, source_hash_name=None ignored, user='root', template=None str, " +
				"context=None map, replace=True, defaults=None map, backup='' ignored, **kwargs"),
		},
	}
}

// Doc documents the cron state functions for sys.state_doc and the
// README (the controller's catalog; the executor does not link it).
func Doc() spec.Doc {
	return spec.Doc{
		Module: "User crontabs (crontab -u USER), entries tagged with Salt's `# SALT_CRON_IDENTIFIER:` " +
			"comments so Salt and brine manage the same lines.",
		Funcs: map[string]string{
			"present": "Make sure the cron job NAME runs at minute, hour, daymonth, month and dayweek (or " +
				"special, such as @hourly) in user's crontab: 'Cron NAME added to USER's crontab', 'Cron NAME " +
				"updated', 'Cron NAME already present'; identifier lets the command change.",
			"absent": "Make sure the cron job NAME (or identifier) is not in user's crontab: 'Cron NAME " +
				"removed from USER's crontab'.",
			"env_present": "Make sure the crontab variable NAME=value is set in user's crontab.",
			"env_absent":  "Make sure the crontab variable NAME is not set in user's crontab.",
			"file": "Replace user's whole crontab with the salt:// file NAME (rendered with `template`), " +
				"through crontab(1) so cron notices: 'Crontab for user USER was updated', 'Crontab for user " +
				"USER is already correct'; changes carry the diff. backup is not supported.",
		},
	}
}
