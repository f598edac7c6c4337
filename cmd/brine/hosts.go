package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"brine/inventory/roster"
	"brine/provision/controller/report"
	"brine/provision/controller/run"
)

// listRoster is -H/--hosts: the roster's hosts as salt-ssh prints them,
// {roster file: {id: host}} in the nested outputter (or --out's).
func listRoster(c *cli.Context, st *settings, stdout, stderr io.Writer, log io.Writer) error {
	o, err := options(c, st)
	if err != nil {
		return err
	}
	o.Log = log
	hosts, file, err := run.RosterHosts(c.Context, o)
	if err != nil {
		return err
	}
	return printHostList(c, file, hosts, stdout, stderr)
}

// listTargeted is --list-hosts TARGET (Ansible's): the hosts TARGET selects,
// in -H's form; nothing runs.
func listTargeted(c *cli.Context, st *settings, tgt string, stdout, stderr io.Writer, log io.Writer) error {
	o, err := options(c, st)
	if err != nil {
		return err
	}
	o.Target, o.Log = tgt, log
	hosts, failed, file, err := run.Targeted(c.Context, o)
	if err != nil {
		return err
	}
	for _, id := range failed {
		fmt.Fprintf(log, "brine: warning: %s: the target needs this host's grains and it could not give them: not listed\n", id)
	}
	return printHostList(c, file, hosts, stdout, stderr)
}

func printHostList(c *cli.Context, file string, hosts []*roster.Host, stdout, stderr io.Writer) error {
	if abs, err := filepath.Abs(file); err == nil && file != "" && file[0] != '(' {
		file = abs
	}
	m := make(map[string]any, len(hosts))
	for _, h := range hosts {
		m[h.ID] = h.Host
	}
	out, err := newOutput(c, "-H", stdout, stderr)
	if err != nil {
		return err
	}
	name := c.String("out")
	if name == "" || name == "highstate" {
		name = "nested"
	}
	opts := out.opts
	opts.Static, opts.Meta = true, nil
	p, err := report.New(out.w, name, opts)
	if err != nil {
		return run.UsageError{Err: err}
	}
	out.p, out.static, out.human = p, true, false
	return out.replay(nil, []report.HostReturn{{ID: file, Fun: "-H", Return: m}})
}
