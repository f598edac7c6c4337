package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"brine/provision/controller/compile"
	"brine/provision/controller/dispatch"
	"brine/provision/controller/result"
	"brine/provision/wire/lowstate"
)

// buildJob turns FUNCTION ARGS key=value into a job; state functions get a
// compiler bound to the state tree.
func buildJob(c *cli.Context, cfg *config, fn function, args []string, kw map[string]any) (dispatch.Job, error) {
	fun := fn.name
	job := dispatch.Job{Fun: fun, Args: args, Kwargs: kw, Failhard: c.Bool("failhard"),
		LockTimeout: time.Duration(c.Float64("lock-timeout") * float64(time.Second))}
	if err := fn.checkArgs(args); err != nil {
		return job, err
	}
	switch fn.kind {
	case rawFun:
		job.Raw = true
		return job, nil
	case hostFun, catalogFun:
		return job, nil
	case execFun:
		return execJob(c, fn, job)
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
	comp, err := newCompiler(c, remoteOption(c, fun)...)
	if err != nil {
		return job, err
	}
	// Secret pillar values are known once a host's pillar is compiled; the
	// runner masks them in that host's result.
	secretPaths := append(append([]string(nil), cfg.SecretPillar...), c.StringSlice("secret-pillar")...)
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
	host := func(id string, g map[string]any, call dispatch.Caller) compile.Host {
		h := compile.Host{ID: id, Grains: g, Pillar: pillar, Opts: map[string]any{"test": job.Test}}
		return withTarget(h, call, func(p map[string]any) { remember(id, p) })
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

func newCompiler(c *cli.Context, opts ...compile.Option) (*compile.Compiler, error) {
	tree, err := loadTree(c)
	if err != nil {
		return nil, err
	}
	return compile.New(tree, opts...), nil
}

// loadTree is the state tree's roots from brine.yaml and the flags.
func loadTree(c *cli.Context) (compile.Tree, error) {
	tree, err := compile.LoadConfig(c.String("config"))
	if err != nil {
		return tree, usageError{err}
	}
	if tree.FileRoots == nil {
		tree.FileRoots = map[string][]string{}
	}
	if fr := c.String("file-root"); fr != "" {
		tree.FileRoots["base"] = []string{fr}
	} else if len(tree.FileRoots) == 0 {
		tree.FileRoots["base"] = []string{"states"}
	}
	for env, roots := range tree.FileRoots {
		for _, r := range roots {
			if fi, err := os.Stat(r); err != nil || !fi.IsDir() {
				return tree, usagef("file root %q of saltenv %q is not a directory (set --file-root or file_roots in %s)", r, env, c.String("config"))
			}
		}
	}
	if pr := c.String("pillar-root"); pr != "" {
		tree.PillarRoots = map[string][]string{"base": {pr}}
	} else if len(tree.PillarRoots) == 0 {
		if fi, err := os.Stat("pillar"); err == nil && fi.IsDir() {
			tree.PillarRoots = map[string][]string{"base": {"pillar"}}
		}
	}
	return tree, nil
}

func boolKwarg(kw map[string]any, k string) (bool, error) {
	v, ok := kw[k]
	if !ok {
		return false, nil
	}
	delete(kw, k)
	switch t := v.(type) {
	case bool:
		return t, nil
	case string:
		switch strings.ToLower(t) {
		case "yes", "y", "on", "1":
			return true, nil
		case "no", "n", "off", "0", "":
			return false, nil
		}
	case int:
		return t != 0, nil
	}
	return false, usagef("%s=%v: want True or False", k, v)
}

func pillarKwarg(kw map[string]any) (map[string]any, error) {
	v, ok := kw["pillar"]
	if !ok {
		return nil, nil
	}
	delete(kw, "pillar")
	switch t := v.(type) {
	case map[string]any:
		return t, nil
	case string:
		var m map[string]any
		if err := json.Unmarshal([]byte(t), &m); err != nil {
			return nil, usagef("pillar=%s: want a JSON or YAML map, e.g. pillar='{\"k\": \"v\"}' (%v)", t, err)
		}
		return m, nil
	}
	return nil, usagef("pillar=%v: want a map, e.g. pillar='{\"k\": \"v\"}'", v)
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
