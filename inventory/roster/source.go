package roster

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"
)

// Source is one kind of roster (salt-ssh's --roster): it turns what the
// roster file holds, or what an executable roster file prints, into hosts.
type Source interface {
	// Parse builds the roster from data read from file (or printed by it);
	// defaults go beneath every host.
	Parse(file string, data []byte, defaults map[string]any) (*Roster, error)
	// ScriptArgs are the arguments an executable roster file is run with;
	// ok is false for a source whose file is never run.
	ScriptArgs() (args []string, ok bool)
}

// sources are the --roster names.
var sources = map[string]Source{"flat": flat{}, "ansible": ansible{}, "sshconfig": sshConfig{}}

// SourceNames lists the --roster names, the default first.
func SourceNames() []string { return []string{"flat", "ansible", "sshconfig"} }

// Options say where a roster comes from.
type Options struct {
	// Source is a --roster name ("" is flat).
	Source string
	// File is the roster file; when it is executable (and the source can
	// be a script) brine runs it and reads its standard output instead.
	File string
	// Defaults (roster_defaults) go beneath every host.
	Defaults map[string]any
	// ScriptTimeout and ScriptMaxOutput bound a roster script (zero: 60 s
	// and 16 MiB).
	ScriptTimeout   time.Duration
	ScriptMaxOutput int64
}

// Read reads the roster o names.
func Read(ctx context.Context, o Options) (*Roster, error) {
	name := o.Source
	if name == "" {
		name = "flat"
	}
	src, ok := sources[name]
	if !ok {
		return nil, fmt.Errorf("unknown roster %q (brine reads %s)", name, strings.Join(SourceNames(), ", "))
	}
	fi, err := os.Stat(o.File)
	if err != nil {
		return nil, fmt.Errorf("roster %s: %w (pass --roster-file or create ./roster.yaml)", o.File, err)
	}
	if args, runnable := src.ScriptArgs(); runnable && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
		out, warnings, err := runScript(ctx, o.File, args, o.ScriptTimeout, o.ScriptMaxOutput)
		if err != nil {
			return nil, err
		}
		r, err := src.Parse(o.File, out, o.Defaults)
		if err != nil {
			return nil, fmt.Errorf("roster script %s printed no usable %s roster: %w", o.File, name, err)
		}
		r.Warnings = append(warnings, r.Warnings...)
		return r, nil
	}
	data, err := os.ReadFile(o.File)
	if err != nil {
		return nil, fmt.Errorf("roster %s: %w", o.File, err)
	}
	return src.Parse(o.File, data, o.Defaults)
}
