package main

//go:generate sh -c "go run . completion man > brine.1"

import (
	"fmt"
	"strings"

	"github.com/cpuguy83/go-md2man/v2/md2man"
	"github.com/urfave/cli/v2"
)

// manPage is brine(1), rendered from the flags and the function table (as
// --help is), so the page and the program cannot disagree. brine.1 beside
// this file is its output (go generate ./cmd/brine; a test checks it).
func manPage(app *cli.App) (string, error) {
	var b strings.Builder
	b.WriteString("% brine 1\n\n")
	b.WriteString("# NAME\n\nbrine - " + app.Usage + "\n\n")
	b.WriteString("# SYNOPSIS\n\n")
	for _, l := range strings.Split(app.UsageText, "\n") {
		fmt.Fprintf(&b, "**%s**\n\n", mdEscape(strings.TrimSpace(l)))
	}
	b.WriteString(`# DESCRIPTION

brine runs Salt state trees and Salt's functions on hosts over SSH, as
salt-ssh does, with nothing on the hosts but sshd and /bin/sh: it compiles
the states on the controller, per host, and pushes them with a small static
executor. Its options are salt-ssh's, with salt-ssh's names and meanings;
flags may come before or after the positional arguments, and everything
after **--** is taken literally.

`)
	b.WriteString("# FUNCTIONS\n\n")
	for _, l := range strings.Split(functionHelp(), "\n") {
		if strings.HasPrefix(l, "   ") {
			fmt.Fprintf(&b, "    %s\n", strings.TrimSpace(l))
			continue
		}
		fmt.Fprintf(&b, "\n%s\n\n", mdEscape(l))
	}
	b.WriteString("\n# OPTIONS\n")
	var cats []string
	byCat := map[string][]cli.Flag{}
	for _, f := range app.Flags {
		cat := ""
		if cf, ok := f.(cli.CategorizableFlag); ok {
			cat = cf.GetCategory()
		}
		if _, ok := byCat[cat]; !ok {
			cats = append(cats, cat)
		}
		byCat[cat] = append(byCat[cat], f)
	}
	for _, cat := range cats {
		fmt.Fprintf(&b, "\n## %s\n\n", mdEscape(cat))
		for _, f := range byCat[cat] {
			var names []string
			if f.Names()[0] == "brine-help" {
				b.WriteString("**-h**, **--help**\n:   show the help and exit\n\n")
				continue
			}
			for _, n := range shortFirst(f.Names()) {
				if len(n) == 1 {
					names = append(names, "-"+n)
				} else {
					names = append(names, "--"+n)
				}
			}
			usage, placeholder := flagUsage(f)
			head := "**" + mdEscape(strings.Join(names, "**, **")) + "**"
			if placeholder != "" {
				head += " *" + placeholder + "*"
			}
			fmt.Fprintf(&b, "%s\n:   %s\n\n", head, mdEscape(usage))
		}
	}
	b.WriteString(`# SETTINGS

A setting comes from the first of: the command line, the Saltfile, brine.yaml,
roster_defaults (brine.yaml), brine's built-in default. A roster host's own
keys (user, passwd, priv, sudo, ...) win over all of them for that host, as in
salt-ssh.

The Saltfile is **--saltfile**, else $SALT_SALTFILE or $BRINE_SALTFILE, else
./Saltfile, else ~/.salt/Saltfile. Its **salt-ssh:** section (and a **brine:**
section, which wins over it) takes salt-ssh's option names (roster_file,
config_dir, ssh_max_procs, ssh_user, ssh_priv, ...), or brine's flag names
with underscores (host_key_policy, max_handshakes, ...). brine.yaml's top
level takes the same keys beside its own (file_roots, pillar_roots,
roster_defaults, nodegroups, secret_pillar, keep_jobs, keep_jobs_seconds,
salt_version). An unknown key is a warning naming the key and the file.

# EXIT STATUS

**0** every targeted host answered and nothing failed; **20** a host failed,
was unreachable or was not run; **2** a usage error (a bad flag, roster or
config), found before any host is contacted; **130** interrupted (SIGINT,
SIGTERM), **129** hung up (SIGHUP): what ran was printed and recorded; **1** an
internal error, or output that could not be written (with the command that
shows the results: brine jobs.lookup_jid JID).

# FILES

./Saltfile, ./brine.yaml, ./roster.yaml, ./states, ./pillar;
~/.cache/brine (grains cache, job history jobs.db); ~/.ssh/known_hosts,
~/.ssh/config; ~/.config/brine/brine_ed25519 (brine's own key, for
**--key-deploy**).

# ENVIRONMENT

**BRINE_PASSWD**, **BRINE_PRIV_PASSWD** (the password and key passphrase, out
of argv), **SALT_SALTFILE**, **BRINE_SALTFILE**, **SSH_AUTH_SOCK**,
**NO_COLOR**, **BRINE_EXEC_DIR** (executors to ship).

# SEE ALSO

salt-ssh(1), ssh(1), ssh_config(5); **brine completion bash|zsh|fish**.
`)
	return string(md2man.Render([]byte(b.String()))), nil
}

// flagUsage is a flag's usage text and its value's placeholder (the
// backquoted word of the usage, as --help shows it).
func flagUsage(f cli.Flag) (usage, placeholder string) {
	df, ok := f.(cli.DocGenerationFlag)
	if !ok {
		return "", ""
	}
	usage = df.GetUsage()
	if i := strings.IndexByte(usage, '`'); i >= 0 {
		if j := strings.IndexByte(usage[i+1:], '`'); j >= 0 {
			placeholder = usage[i+1 : i+1+j]
			usage = usage[:i] + placeholder + usage[i+2+j:]
		}
	}
	if placeholder == "" && df.TakesValue() {
		placeholder = "VALUE"
	}
	if v := df.GetDefaultText(); v != "" && df.TakesValue() {
		usage += " (default " + v + ")"
	} else if v := df.GetValue(); v != "" && df.TakesValue() {
		usage += " (default " + v + ")"
	}
	return usage, placeholder
}

// mdEscape keeps markdown from reading brine's text as markup.
func mdEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`, "<", `\<`, ">", `\>`, "#", `\#`)
	return r.Replace(s)
}
