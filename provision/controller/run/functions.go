package run

import (
	"slices"
	"sort"
	"strings"

	"brine/provision/controller/adhoc"
	"brine/provision/wire/funcs"
)

// Kind says where a function runs and what it needs.
type Kind int

const (
	// ExecFun is one of Salt's execution functions, from the catalog
	// (provision/wire/funcs): run in the executor on each targeted host, or
	// answered by the controller (pillar.*, config.*, sys.*); see exec.go.
	ExecFun Kind = iota
	// StateFun compiles the state tree per host and applies it there.
	StateFun
	// ShowFun compiles per host on the controller and shows the result;
	// nothing is applied.
	ShowFun
	// RawFun is -r: a shell command on each host, no executor.
	RawFun
	// RunnerFun runs on the controller alone: no TARGET, no roster (Salt's
	// runners, e.g. jobs.list_jobs). Run refuses it: the command line
	// answers it from the job history.
	RunnerFun
)

// Function is one FUNCTION brine accepts. The table both decides how a run
// goes and writes the command line's help, so the two cannot disagree.
type Function struct {
	Name string
	// Args is the argument synopsis for the help ("CMD", "[SLS,...]").
	Args string
	Doc  string
	Kind Kind
	// MinArgs is how many positional arguments the function needs;
	// Example is shown when they are missing.
	MinArgs int
	Example string

	// call is an ExecFun's call, bound to its signature; refused says why
	// it cannot run (set by Options.prepareExec).
	call    *adhoc.Call
	refused *adhoc.Refused
}

// raw is the function -r runs.
var raw = Function{Name: "cmd.raw", Args: "'CMD'", Kind: RawFun, MinArgs: 1, Example: "brine '*' -r 'uptime'"}

// Functions is every function brine accepts, in help order.
func Functions() []Function {
	return []Function{
		{Name: "state.apply", Args: "[SLS,...]", Doc: "apply the highstate, or the named SLS; test=True for a dry run", Kind: StateFun},
		{Name: "state.highstate", Doc: "apply the highstate", Kind: StateFun},
		{Name: "state.sls", Args: "SLS[,SLS...]", Doc: "apply the named SLS", Kind: StateFun, MinArgs: 1, Example: "brine '*' state.sls ssh,timezone"},
		{Name: "state.test", Args: "[SLS,...]", Doc: "state.apply with test=True", Kind: StateFun},
		{Name: "state.show_top", Doc: "the top file's SLS per saltenv for each host", Kind: ShowFun},
		{Name: "state.show_sls", Args: "SLS[,SLS...]", Doc: "the named SLS compiled to highstate data", Kind: ShowFun, MinArgs: 1, Example: "brine '*' state.show_sls ssh"},
		{Name: "state.show_highstate", Doc: "the highstate compiled for each host", Kind: ShowFun},
		{Name: "state.show_lowstate", Doc: "the ordered lowstate compiled for each host", Kind: ShowFun},
		{Name: "state.show_pillar", Doc: "the pillar compiled for each host", Kind: ShowFun},
		{Name: "pillar.items", Doc: "the pillar compiled for each host", Kind: ShowFun},
		{Name: "jobs.list_jobs", Args: "[search_function=GLOB] [search_target=GLOB]", Kind: RunnerFun,
			Doc: "jobs in the history, oldest first, in Salt's shape (--max-jobs N or limit=N)"},
		{Name: "jobs.list_job", Args: "JID", Kind: RunnerFun, MinArgs: 1, Example: "brine jobs.list_job last",
			Doc: "one recorded job: its load, hosts, tree hash and each host's return"},
		{Name: "jobs.lookup_jid", Args: "JID", Kind: RunnerFun, MinArgs: 1, Example: "brine jobs.lookup_jid last",
			Doc: "print a recorded job as its run printed it (JID, or last)"},
		{Name: "jobs.merge", Args: "FILE...", Kind: RunnerFun, MinArgs: 1, Example: "brine jobs.merge shard-0.json shard-1.json",
			Doc: "merge --out json --static outputs (shards) into one result and recap"},
	}
}

// LookupFunction finds name in the table; any other "mod.fun" is an
// execution function (one the catalog lacks is refused with Salt's words
// when it runs).
func LookupFunction(name string) (Function, bool) {
	for _, f := range Functions() {
		if f.Name == name {
			return f, true
		}
	}
	if mod, fun, ok := strings.Cut(name, "."); ok && mod != "" && fun != "" {
		return Function{Name: name, Kind: ExecFun}, true
	}
	return Function{}, false
}

// FunctionNames is every FUNCTION brine runs on a TARGET, sorted: the
// table's and the execution functions' (for completion).
func FunctionNames() []string {
	names := funcs.New().Names()
	for _, f := range Functions() {
		if f.Kind != RunnerFun {
			names = append(names, f.Name)
		}
	}
	sort.Strings(names)
	return slices.Compact(names)
}

// functionNames lists the table's names, sorted, for error messages.
func functionNames() []string {
	var n []string
	for _, f := range Functions() {
		n = append(n, f.Name)
	}
	sort.Strings(n)
	return n
}

// UnknownFunction is the usage error for a name the table lacks, with the
// closest names as hints.
func UnknownFunction(name string) error {
	var near []string
	mod, _, _ := strings.Cut(name, ".")
	for _, n := range functionNames() {
		if m, _, _ := strings.Cut(n, "."); m == mod {
			near = append(near, n)
		}
	}
	if len(near) == 0 {
		near = functionNames()
	}
	return Usagef("unknown function %q: brine knows %s (see brine --help)", name, strings.Join(near, ", "))
}

// CheckArgs is the usage error for missing positional arguments.
func (f Function) CheckArgs(pos []string) error {
	if len(pos) >= f.MinArgs {
		return nil
	}
	return Usagef("%s needs %s, e.g. %s", f.Name, f.Args, f.Example)
}
