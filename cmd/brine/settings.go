package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
	"gopkg.in/yaml.v3"

	"brine/provision/controller/run"
)

// Settings come from four places, the first that has one winning:
//
//	the command line > the Saltfile > brine.yaml > roster_defaults > built-in
//
// A Saltfile's salt-ssh: section (and a brine: section, which wins over it)
// and brine.yaml's top level take the same option keys: salt-ssh's own
// names (its options' dest names, as salt-ssh reads a Saltfile and its
// master config), and for brine's own options the flag's name with
// underscores. An unknown key is a warning naming the key and the file.

// saltKeys maps salt-ssh's option names (as a Saltfile and salt-ssh's
// master config spell them) to brine's flags.
var saltKeys = map[string]string{
	"roster": "roster", "roster_file": "roster-file", "config_dir": "config-dir", "refresh_cache": "refresh",
	"ssh_max_procs": "max-procs", "extra_filerefs": "extra-filerefs", "min_extra_mods": "min-extra-modules",
	"thin_extra_mods": "thin-extra-modules", "verbose": "verbose", "static": "static", "ssh_wipe": "wipe",
	"rand_thin_dir": "rand-thin-dir", "regen_thin": "regen-thin", "python2_bin": "python2-bin", "python3_bin": "python3-bin",
	"ssh_run_pre_flight": "pre-flight", "list_hosts": "hosts", "pcre": "pcre", "list": "list", "grain": "grain",
	"grain_pcre": "grain-pcre", "nodegroup": "nodegroup", "range": "range", "delimiter": "delimiter",
	"output": "out", "output_indent": "out-indent", "output_file": "out-file", "output_file_append": "out-file-append",
	"no_color": "no-color", "force_color": "force-color", "state_output": "state-output", "state_verbose": "state-verbose",
	"ssh_remote_port_forwards": "remote-port-forwards", "ssh_options": "ssh-option", "ssh_priv": "priv",
	"ssh_priv_passwd": "priv-passwd", "ignore_host_keys": "ignore-host-keys", "no_host_keys": "no-host-keys",
	"ssh_user": "user", "ssh_passwd": "passwd", "ssh_askpass": "askpass", "ssh_key_deploy": "key-deploy",
	"ssh_identities_only": "identities-only", "ssh_sudo": "sudo", "ssh_sudo_user": "sudo-user",
	"ssh_update_roster": "update-roster", "ssh_scan_ports": "scan-ports", "ssh_scan_timeout": "scan-timeout",
	"log_level": "log-level", "ssh_log_file": "log-file", "log_level_logfile": "log-file-level", "jid": "jid",
	"hard_crash": "hard-crash", "no_parse": "no-parse", "raw_shell": "raw",
	// salt-ssh's master config names for brine's own settings.
	"known_hosts_file": "known-hosts", "failhard": "failhard",
}

// notKeys are flags that have no settings key: they are about this one
// command, not a project's defaults.
var notKeys = map[string]bool{"version": true, "brine-help": true, "versions-report": true, "saltfile": true, "help": true, "hosts": true, "list-hosts": true,
	// a guarded function's confirmation is given for one command, never by default
	"yes": true}

// settingKeys maps every settings key to its flag: salt-ssh's names, and
// every flag's own name with underscores.
func settingKeys(fs []cli.Flag) map[string]string {
	keys := map[string]string{}
	for k, f := range saltKeys {
		keys[k] = f
	}
	for _, f := range fs {
		name := f.Names()[0]
		if notKeys[name] {
			continue
		}
		keys[strings.ReplaceAll(name, "-", "_")] = name
	}
	delete(keys, "list_hosts")
	return keys
}

// settings are where brine's files are, once the Saltfile and
// --config-dir have been read.
type settings struct {
	// config is brine.yaml (or a Salt master file) and explicit whether
	// it was named (a missing one is then an error); master says the
	// file is Salt's master config (keep_jobs in hours).
	config         string
	configExplicit bool
	master         bool
	// rosterFile and rosterExplicit are the roster file.
	rosterFile     string
	rosterExplicit bool
	// saltfile is the Saltfile read ("" for none).
	saltfile string
	// warnings are what the files said that the log must show once it
	// exists; infos are for the log at info.
	warnings, infos []string
}

// applySettings reads the Saltfile and brine.yaml and gives every flag the
// command line left unset the value the first of them sets.
func applySettings(c *cli.Context) (*settings, error) {
	st := &settings{}
	keys := settingKeys(c.App.Flags)
	path, explicit := saltfilePath(c)
	if path != "" {
		sections, err := readSaltfile(path, explicit)
		if err != nil {
			return nil, err
		}
		if sections != nil {
			st.saltfile = path
			st.infos = append(st.infos, fmt.Sprintf("brine: info: loading Saltfile from %s", path))
			for _, sec := range sections {
				if err := st.apply(c, keys, path, sec, nil); err != nil {
					return nil, err
				}
			}
		}
	}
	st.locateConfig(c)
	if err := st.applyConfig(c, keys); err != nil {
		return nil, err
	}
	st.locateRoster(c)
	return st, nil
}

// saltfilePath is the Saltfile to read, as salt-ssh finds it: --saltfile,
// $SALT_SALTFILE (or $BRINE_SALTFILE), ./Saltfile, ~/.salt/Saltfile; ""
// when there is none. explicit: it was named, so it must exist.
func saltfilePath(c *cli.Context) (string, bool) {
	if p := c.String("saltfile"); p != "" {
		return p, true
	}
	for _, env := range []string{"BRINE_SALTFILE", "SALT_SALTFILE"} {
		if p := os.Getenv(env); p != "" {
			return p, true
		}
	}
	if fi, err := os.Stat("Saltfile"); err == nil && fi.Mode().IsRegular() {
		return "Saltfile", false
	}
	if home, err := os.UserHomeDir(); err == nil {
		p := filepath.Join(home, ".salt", "Saltfile")
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p, false
		}
	}
	return "", false
}

// section is one mapping of option keys in a settings file.
type section struct {
	name  string // "salt-ssh", "brine", or "" for brine.yaml's top level
	pairs [][2]*yaml.Node
}

// readSaltfile reads the salt-ssh: and brine: sections of a Saltfile (the
// brine: one last, so its keys win); nil when it has neither. Sections of
// Salt's other programs are left alone; any other is a warning.
func readSaltfile(path string, explicit bool) ([]section, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) && explicit {
			return nil, usagef("Saltfile %s does not exist", path)
		}
		return nil, usagef("Saltfile %s: %v", path, err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, usagef("Saltfile %s: %v", path, err)
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	top := doc.Content[0]
	if top.Kind != yaml.MappingNode {
		return nil, usagef("Saltfile %s:%d: want a mapping of program names (salt-ssh:) to options", path, top.Line)
	}
	var secs []section
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		switch k.Value {
		case "salt-ssh", "brine":
		default:
			continue // salt:, salt-call:, salt-key: ... are for Salt's other programs
		}
		if v.Tag == "!!null" {
			continue
		}
		if v.Kind != yaml.MappingNode {
			return nil, usagef("Saltfile %s:%d: %s: want a mapping of options", path, v.Line, k.Value)
		}
		s := section{name: k.Value}
		for j := 0; j+1 < len(v.Content); j += 2 {
			s.pairs = append(s.pairs, [2]*yaml.Node{v.Content[j], v.Content[j+1]})
		}
		secs = append(secs, s)
	}
	sort.SliceStable(secs, func(i, j int) bool { return secs[i].name == "salt-ssh" && secs[j].name == "brine" })
	if secs == nil {
		return nil, nil
	}
	return secs, nil
}

// apply sets each key's flag unless the command line (or an earlier file)
// set it; other keys (brine.yaml's own, in known) are left to their
// reader; anything else is a warning.
func (st *settings) apply(c *cli.Context, keys map[string]string, file string, s section, known map[string]bool) error {
	where := func(n *yaml.Node) string {
		if s.name != "" {
			return fmt.Sprintf("%s:%d: %s: %s", file, n.Line, s.name, n.Value)
		}
		return fmt.Sprintf("%s:%d: %s", file, n.Line, n.Value)
	}
	for _, kv := range s.pairs {
		k, v := kv[0], kv[1]
		name, ok := keys[k.Value]
		if !ok {
			if !known[k.Value] {
				st.warnings = append(st.warnings, fmt.Sprintf("brine: warning: %s: unknown key %q ignored (see brine --help for the keys: salt-ssh's option names, or brine's flag names with underscores)", where(k), k.Value))
			}
			continue
		}
		if c.IsSet(name) || v.Tag == "!!null" {
			continue
		}
		vals, err := settingValues(v)
		if err != nil {
			return usagef("%s: %v", where(k), err)
		}
		for _, val := range vals {
			if err := c.Set(name, val); err != nil {
				return usagef("%s: %q: %v", where(k), val, err)
			}
		}
	}
	return nil
}

// settingValues turns a YAML value into the flag values it stands for (a
// list is one value per item).
func settingValues(v *yaml.Node) ([]string, error) {
	switch v.Kind {
	case yaml.ScalarNode:
		switch v.Tag {
		case "!!bool":
			var b bool
			if err := v.Decode(&b); err != nil {
				return nil, err
			}
			return []string{strconv.FormatBool(b)}, nil
		}
		return []string{v.Value}, nil
	case yaml.SequenceNode:
		var out []string
		for _, e := range v.Content {
			if e.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("want a list of strings")
			}
			out = append(out, e.Value)
		}
		return out, nil
	}
	return nil, fmt.Errorf("want a string, a number, True/False or a list")
}

// locateConfig finds brine.yaml: --config as given (on the command line or
// in the Saltfile), else in --config-dir (brine.yaml, or Salt's master
// file), else the working directory's.
func (st *settings) locateConfig(c *cli.Context) {
	st.config, st.configExplicit = c.String("config"), c.IsSet("config")
	dir := c.String("config-dir")
	if dir == "" || st.configExplicit {
		return
	}
	st.config = filepath.Join(dir, "brine.yaml")
	if _, err := os.Stat(st.config); err != nil {
		if m := filepath.Join(dir, "master"); isFile(m) {
			st.config, st.master = m, true
		}
	}
}

// locateRoster finds the roster: --roster-file as given (command line,
// Saltfile or brine.yaml), else roster or roster.yaml in --config-dir, else
// ./roster.yaml.
func (st *settings) locateRoster(c *cli.Context) {
	st.rosterFile, st.rosterExplicit = c.String("roster-file"), c.IsSet("roster-file")
	dir := c.String("config-dir")
	if dir != "" && !st.rosterExplicit {
		for _, n := range []string{"roster", "roster.yaml"} {
			if p := filepath.Join(dir, n); isFile(p) {
				st.rosterFile, st.rosterExplicit = p, true
				break
			}
		}
	}
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// applyConfig applies brine.yaml's option keys (beneath the command line
// and the Saltfile) and warns about keys neither brine.yaml nor the
// option table knows.
func (st *settings) applyConfig(c *cli.Context, keys map[string]string) error {
	b, err := os.ReadFile(st.config)
	if err != nil {
		return nil // run.LoadConfig says what is wrong, or that there is none
	}
	var doc yaml.Node
	if yaml.Unmarshal(b, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil // run.LoadConfig refuses it with the reason
	}
	top := doc.Content[0]
	s := section{}
	for i := 0; i+1 < len(top.Content); i += 2 {
		s.pairs = append(s.pairs, [2]*yaml.Node{top.Content[i], top.Content[i+1]})
	}
	known := map[string]bool{}
	for _, k := range run.ConfigKeys() {
		known[k] = true
	}
	if st.master {
		// Salt's master config holds much brine has no use for: say so
		// once, as one line.
		var unused []string
		kept := s.pairs[:0]
		for _, kv := range s.pairs {
			if _, opt := keys[kv[0].Value]; opt || known[kv[0].Value] {
				kept = append(kept, kv)
				continue
			}
			unused = append(unused, kv[0].Value)
		}
		s.pairs = kept
		if len(unused) > 0 {
			st.warnings = append(st.warnings, fmt.Sprintf("brine: warning: %s: Salt master settings brine does not use, ignored: %s", st.config, strings.Join(unused, ", ")))
		}
	}
	return st.apply(c, keys, st.config, s, known)
}
