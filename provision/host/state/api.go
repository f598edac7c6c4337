// Package state is the state engine that runs on the target: it orders the
// compiled lowstate chunks, applies requisites, calls the state functions and
// collects Salt-shaped results. State functions live in sub-packages and are
// registered through a Registry, so the engine knows no module by name.
package state

import (
	"context"

	"brine/provision/wire/lowstate"
	"brine/provision/wire/spec"
)

// Env is what a state function gets besides its chunk.
type Env struct {
	// Test is true for a dry run (test=True): predict, change nothing.
	Test bool
	// Root prefixes every absolute path a function touches; "" means the real
	// root. Unit tests point it at a temp directory.
	Root string
	// File returns the content of a bundled file by its sha256 (see
	// lowstate.KeyFile).
	File func(hash string) ([]byte, error)
	// Pillar and Grains are the host's compiled pillar and collected grains.
	Pillar map[string]any
	Grains map[string]any
	// Exec runs commands; tests may replace it.
	Exec Executor
	// Accum holds the run's file.accumulated data (set by Run).
	Accum *Accumulators
	// Memo keeps what functions learnt about the host this run (set by
	// Run).
	Memo *Memo
}

// Func is one state function (file.managed). It fills in Result, Comment and
// Changes of the returned result; the engine fills in the rest (name, id,
// timing, run number). A nil Result in test mode means "would change".
type Func func(ctx context.Context, env *Env, c lowstate.Chunk) *lowstate.Result

// Module is one state module (file, pkg, service...).
type Module struct {
	// Funcs maps function names ("managed") to implementations.
	Funcs map[string]Func
	// ModWatch, when set, runs after the state when a watched state changed
	// (service restart, cmd.run runs again...).
	ModWatch Func
	// OwnKeywords lists state keywords the module's functions handle
	// themselves (file handles "check_cmd"); the engine skips them.
	OwnKeywords []string
	// Spec declares every function of Funcs: its arguments, file sources
	// and documentation (the catalog the compiler checks chunks against).
	Spec *spec.Module
	// Virtual, when set, is Salt's __virtual__ asked when a state of the
	// module runs: "" when the module can work on this host, else why
	// not ("'git' __virtual__ returned False: git module could not be
	// loaded"); the state then is "not found", as Salt reports it (git
	// installed by an earlier state in a dry run is not there yet).
	Virtual func(env *Env) string
}

// Registry maps module names ("file") to modules; built per run, never global.
type Registry map[string]*Module

// Lookup finds module.fun in the registry.
func (r Registry) Lookup(mod, fun string) (Func, bool) {
	m, ok := r[mod]
	if !ok || m == nil {
		return nil, false
	}
	f, ok := m.Funcs[fun]
	return f, ok
}

// Cmd is a command to run on the host.
type Cmd struct {
	// Shell command line, run with Shell -c (default DefaultShell).
	Line  string
	Shell string
	// Argv, when set, is run directly instead of Line.
	Argv  []string
	Cwd   string
	Env   map[string]string
	RunAs string
	Umask string
	Stdin []byte
}

// CmdResult is what a command returned.
type CmdResult struct {
	Retcode int
	Stdout  string
	Stderr  string
	// Pid is the process id the command ran as (0 when unknown).
	Pid int
	// Err is set when the command could not be started at all.
	Err error
}

// Executor runs commands on the host.
type Executor interface {
	Run(ctx context.Context, c Cmd) CmdResult
}
