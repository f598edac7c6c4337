package run

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/user"
	"sort"
	"time"

	"brine/inventory/roster"
	"brine/provision/controller/connect"
	"brine/provision/controller/history"
	"brine/provision/controller/result"
)

// record starts the job's record in the history (writing to the log why it
// cannot) and returns the observer that records the rest: the order hosts
// finish in, and at the end every result and the exit code. pos and kw are
// the function's arguments as typed.
//
// A JID the options give that the history holds already is a usage error.
func (o *Options) record(ctx context.Context, cfg *Config, fn Function, target string, test bool, pos []string, kw map[string]any,
	hosts []string, index map[string]int, secrets []string) (*recording, error) {
	hash, err := o.treeHash(fn, kw)
	if err != nil {
		fmt.Fprintf(o.Log, "brine: warning: job history: %v\n", err)
	}
	targetType := "local"
	if !o.Local {
		targetType = o.TargetKind.String()
	}
	job := history.Job{
		JID: o.JID, FixedJID: o.JID != "",
		Start: time.Now(), User: jobUser(), Target: target, TargetType: targetType,
		Fun: fn.Name, Args: o.Args, TreeHash: hash, Hosts: hosts,
		Provisions: fn.Kind == StateFun && provisions(fn.Name, pos, test),
	}
	rec, err := history.Record(ctx, history.Path(o.CacheDir), job, index, secrets, cfg.Keep(), o.Log)
	if err != nil {
		return nil, Usagef("--jid %s: %v", o.JID, err)
	}
	return &recording{Recorder: rec, ctx: ctx}, nil
}

// recording is the history's observer of a run: history.Recorder, told
// the run's end. Run makes it the last observer, so the exit code it
// records is the one brine exits with (an output that failed included).
type recording struct {
	*history.Recorder
	ctx context.Context
	// secrets are each host's secret values found during the run.
	secrets func(id string) []string
}

func (r *recording) Begin(Plan) {}

func (r *recording) End(o Outcome) error {
	r.Finish(r.ctx, o.Hosts, r.secrets, o.ExitCode())
	return nil
}

// secrets lists the secret values a run knows at its start: passwords and
// passphrases (options, prompt and roster) and the values at secret pillar
// paths in a pillar= argument.
func (o *Options) secrets(cfg *Config, res *connect.Resolver, hosts []*roster.Host, kw map[string]any) []string {
	s := []string{o.Password, o.Passphrase}
	if res != nil {
		s = append(s, res.Secrets()...)
	}
	for _, h := range hosts {
		s = append(s, h.Passwd, h.PrivPasswd)
	}
	if p, err := pillarOverride(kw); err == nil && p != nil {
		paths := append(append([]string(nil), cfg.SecretPillar...), o.SecretPillar...)
		s = append(s, result.SecretValues(p, paths)...)
	}
	var out []string
	for _, v := range s {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// treeHash is the hash of the state tree a compiling function reads
// (history.TreeHash), with the run's saltenv and pillar= override; "" for
// functions that compile nothing.
func (o *Options) treeHash(fn Function, kw map[string]any) (string, error) {
	if fn.Kind != StateFun && fn.Kind != ShowFun {
		return "", nil
	}
	tree, err := o.loadTree()
	if err != nil {
		return "", err
	}
	var roots []history.Root
	add := func(kind string, m map[string][]string) {
		envs := make([]string, 0, len(m))
		for env := range m {
			envs = append(envs, env)
		}
		sort.Strings(envs)
		for _, env := range envs {
			for _, d := range m[env] {
				roots = append(roots, history.Root{Kind: kind, Env: env, Dir: d})
			}
		}
	}
	add("file", tree.FileRoots)
	add("pillar", tree.PillarRoots)
	saltenv, _ := json.Marshal(kw["saltenv"])
	// The parsed override (keys sorted), so spacing in the argument does
	// not change the hash.
	p, err := pillarOverride(kw)
	if err != nil {
		return "", err
	}
	pillar, _ := json.Marshal(p)
	return history.TreeHash(roots, "saltenv="+string(saltenv), "pillar="+string(pillar))
}

// provisions tells whether a run counts for --new-hosts: a full highstate
// (state.highstate, or state.apply without SLS names) that is not a dry
// run.
func provisions(fun string, pos []string, test bool) bool {
	return !test && (fun == "state.highstate" || fun == "state.apply" && len(pos) == 0)
}

// currentUser is the name of the user running brine.
func currentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return os.Getenv("USER")
}

// jobUser is who runs brine, as Salt records it: "sudo_<user>" when root
// through sudo (salt/utils/user.py get_specific_user).
func jobUser() string {
	name := currentUser()
	if s := os.Getenv("SUDO_USER"); s != "" && name == "root" {
		return "sudo_" + s
	}
	return name
}

// controllerName is user@host of this controller, for the host lock's note
// and the comment of a deployed key.
func controllerName() string {
	h, _ := os.Hostname()
	return currentUser() + "@" + h
}
