package run

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"

	"brine/provision/controller/compile"
	"brine/provision/controller/dispatch"
	"brine/provision/controller/download"
	"brine/provision/controller/result"
	"brine/provision/wire/lowstate"
)

// buildJob turns FUNCTION ARGS key=value into the job each host runs;
// state and show functions get a compiler bound to the state tree.
func (o *Options) buildJob(cfg *Config, fn Function, args []string, kw map[string]any) (dispatch.Job, error) {
	fun := fn.Name
	job := dispatch.Job{Fun: fun, Args: args, Kwargs: kw, Failhard: o.Failhard, LockTimeout: o.LockTimeout}
	if err := fn.CheckArgs(args); err != nil {
		return job, err
	}
	switch fn.Kind {
	case RawFun:
		job.Raw = true
		return job, nil
	case ExecFun:
		return o.execJob(fn, job)
	}
	test, err := boolKwarg(kw, "test")
	if err != nil {
		return job, err
	}
	job.Test = test || fun == "state.test"
	pillar, err := pillarKwarg(kw)
	if err != nil {
		return job, err
	}
	saltenv := "base"
	if s, ok := kw["saltenv"].(string); ok && s != "" {
		saltenv = s
	}
	delete(kw, "saltenv")
	tree, err := o.loadTree()
	if err != nil {
		return job, err
	}
	var copts []compile.Option
	if fn.Kind == StateFun {
		// A state run downloads http(s) sources on the controller (cached
		// under the cache dir); the show functions download nothing.
		copts = append(copts, compile.WithRemote(download.New(filepath.Join(o.CacheDir, "sources"))))
	}
	comp := compile.New(tree, copts...)
	// Secret pillar values are known once a host's pillar is compiled; the
	// runner masks them in that host's result.
	secretPaths := append(append([]string(nil), cfg.SecretPillar...), o.SecretPillar...)
	var secretsMu sync.Mutex
	secrets := map[string][]string{}
	remember := func(id string, pillar map[string]any) {
		if len(secretPaths) == 0 {
			return
		}
		v := result.SecretValues(pillar, secretPaths)
		secretsMu.Lock()
		secrets[id] = v
		secretsMu.Unlock()
	}
	job.Secrets = func(id string) []string {
		secretsMu.Lock()
		defer secretsMu.Unlock()
		return secrets[id]
	}
	// host is the compile's view of one host: the runner's session to it
	// (call is nil on the first try), and the hook that registers its
	// secret pillar values as soon as its pillar is rendered, before any
	// template or error could print one.
	host := func(id string, g map[string]any, call dispatch.Caller) compile.Host {
		h := compile.Host{ID: id, Grains: g, Pillar: pillar, Opts: map[string]any{"test": job.Test},
			OnPillar: func(p map[string]any) { remember(id, p) }}
		if call != nil {
			h.Call = call
		}
		return h
	}
	var names []string
	for _, a := range args {
		for _, n := range strings.Split(a, ",") {
			if n = strings.TrimSpace(n); n != "" {
				names = append(names, n)
			}
		}
	}
	compileFor := func(ctx context.Context, id string, g map[string]any, call dispatch.Caller) (res *compile.Result, err error) {
		if len(names) > 0 {
			res, err = comp.SLS(ctx, host(id, g, call), saltenv, names)
		} else {
			res, err = comp.Highstate(ctx, host(id, g, call))
		}
		return res, targetErr(err)
	}
	switch fun {
	case "state.apply", "state.highstate", "state.sls", "state.test":
		if fun == "state.highstate" {
			names = nil
		}
		job.Compile = func(ctx context.Context, id string, g map[string]any, call dispatch.Caller) (*lowstate.Bundle, error) {
			res, err := compileFor(ctx, id, g, call)
			if err != nil {
				return nil, err
			}
			hideSecretDiffs(res, job.Secrets(id))
			return &lowstate.Bundle{Chunks: res.Low, Files: res.Files, Pillar: res.Pillar}, nil
		}
	case "state.show_top":
		job.Show = func(ctx context.Context, id string, g map[string]any, call dispatch.Caller) (any, error) {
			top, err := comp.Top(ctx, host(id, g, call))
			return top, targetErr(err)
		}
	case "state.show_sls", "state.show_highstate", "state.show_lowstate":
		if fun == "state.show_highstate" {
			names = nil
		}
		job.Show = func(ctx context.Context, id string, g map[string]any, call dispatch.Caller) (any, error) {
			res, err := compileFor(ctx, id, g, call)
			if err != nil {
				return nil, err
			}
			if fun == "state.show_lowstate" {
				low := make([]lowstate.Chunk, len(res.Low))
				for i, ch := range res.Low {
					low[i] = ch.Public()
				}
				return generic(low)
			}
			return generic(res.High)
		}
	case "state.show_pillar", "pillar.items":
		job.Show = func(ctx context.Context, id string, g map[string]any, call dispatch.Caller) (any, error) {
			return comp.Pillar(ctx, host(id, g, call))
		}
	default:
		return job, fmt.Errorf("function %s is in the table but has no state or show job", fun)
	}
	return job, nil
}

// targetErr tells the runner that a compile needs the host's answers.
func targetErr(err error) error {
	if errors.Is(err, compile.ErrNeedsTarget) {
		return fmt.Errorf("%w: %w", dispatch.ErrNeedsTarget, err)
	}
	return err
}

// generic turns a typed value into plain maps and lists, as the executor's
// JSON would be, so every outputter treats it alike.
func generic(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	return out, json.Unmarshal(b, &out)
}

// hideSecretDiffs turns off diffs (show_changes: False) for every state whose
// arguments or file content hold a secret value: masking the output catches
// the new value, but only this hides an old one the controller never knew.
func hideSecretDiffs(res *compile.Result, secrets []string) {
	var use []string
	for _, s := range secrets {
		if len(s) >= result.MinSecret {
			use = append(use, s)
		}
	}
	if len(use) == 0 {
		return
	}
	has := func(b string) bool {
		for _, s := range use {
			if strings.Contains(b, s) {
				return true
			}
		}
		return false
	}
	for _, ch := range res.Low {
		secret := false
		if h, ok := ch[lowstate.KeyFile].(string); ok && has(string(res.Files[h])) {
			secret = true
		}
		for k, v := range ch {
			if !secret && !strings.HasPrefix(k, "__") {
				if has(fmt.Sprint(v)) {
					secret = true
				}
			}
		}
		if secret {
			ch["show_changes"] = false
		}
	}
}
