package compile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"brine/provision/controller/compile/jinja"
	"brine/provision/host/state"
	"brine/provision/lib/fnmatch"
	"brine/provision/wire/lowstate"
	"brine/provision/wire/spec"
)

// resolveFiles resolves the salt:// sources of the states whose spec in
// the catalog marks a file source, renders templates and packs the bytes
// into r.files by sha256.
func (r *run) resolveFiles(chunks []*chunk) {
	r.accum = accumulators(chunks)
	for _, c := range chunks {
		if r.needsTarget {
			return
		}
		f, ok := r.c.cat.Func(c.State(), c.Fun())
		if !ok {
			continue
		}
		a, ok := f.SourceArg(c.Chunk)
		if !ok {
			continue
		}
		switch a.Source {
		case spec.Dir:
			r.resolveRecurse(c.Chunk, a.Name)
		case spec.File:
			r.resolveSource(c.Chunk, a.Name, true)
		case spec.Raw:
			r.resolveSource(c.Chunk, a.Name, false)
		}
	}
}

// sourceCandidates lists a source argument's URLs: a string, or a list of
// strings and {url: hash} maps.
func sourceCandidates(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, e := range t {
			switch x := e.(type) {
			case string:
				out = append(out, x)
			case map[string]any:
				keys := make([]string, 0, len(x))
				for k := range x {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				out = append(out, keys...)
			}
		}
		return out
	}
	return nil
}

// saltURL splits salt://path?saltenv=env.
func saltURL(u, env string) (rel, saltenv string) {
	rest := strings.TrimPrefix(u, "salt://")
	if p, q, ok := strings.Cut(rest, "?"); ok {
		rest = p
		for _, kv := range strings.Split(q, "&") {
			if k, v, _ := strings.Cut(kv, "="); k == "saltenv" || k == "env" {
				env = v
			}
		}
	}
	return rest, env
}

func (r *run) chunkErr(c lowstate.Chunk, format string, args ...any) {
	r.errorf("ID '%s' in SLS '%s:%s' (%s.%s): %s", c.ID(), c.Str("__env__"), c.SLS(), c.State(), c.Fun(), fmt.Sprintf(format, args...))
}

// resolveSource picks the first existing source and packs its (rendered)
// content.
func (r *run) resolveSource(c lowstate.Chunk, key string, templ bool) {
	env := c.Str("__env__")
	cands := sourceCandidates(c[key])
	if len(cands) == 0 {
		return
	}
	remoteFailed := false
	for _, u := range cands {
		if isRemote(u) {
			// Downloaded on the controller (remote.go); a failed download
			// lets a list of sources go on to its next candidate.
			if r.resolveRemote(c, u, sourceHashFor(c, key, u)) {
				delete(c, lowstate.KeyFail)
				return
			}
			remoteFailed = true
			continue
		}
		if !strings.HasPrefix(u, "salt://") {
			// file:// and local paths are the target's job.
			return
		}
		rel, senv := saltURL(u, env)
		full, data, ok := r.c.find(r.c.tree.FileRoots[senv], rel)
		if !ok {
			continue
		}
		if templ {
			c[lowstate.KeySource] = u
			out, ok := r.renderFileTemplate(c, c.Name(), senv, cleanRel(rel), full, data)
			if !ok {
				return
			}
			data = out
		}
		h := hashBytes(data)
		r.files[h] = data
		c[lowstate.KeyFile] = h
		c[lowstate.KeySource] = u
		if lowstate.KeepMode(c["mode"]) {
			if st, err := os.Stat(full); err == nil {
				c[lowstate.KeyModes] = map[string]any{"": state.FormatMode(st.Mode())}
			}
		}
		return
	}
	if remoteFailed {
		// the state fails at run time with its last download's error (remote.go)
		return
	}
	failAtRun(c, missingSource(c, key, cands[0], env))
}

// failAtRun leaves Salt's run-time failure of a state on its chunk
// (lowstate.KeyFail) instead of failing the whole compile: Salt meets a
// missing salt:// source or a broken file template only when that state
// runs, fails that state (its dependants then fail through their
// requisites) and runs every other one.
func failAtRun(c lowstate.Chunk, f lowstate.Failure) { c[lowstate.KeyFail] = f }

// missingSource is Salt's failure of a state whose salt:// source does not
// exist (salt/states/file.py managed, salt/modules/file.py get_managed and
// source_list, salt/states/cmd.py script, salt/states/archive.py extracted).
func missingSource(c lowstate.Chunk, key, src, env string) lowstate.Failure {
	switch c.State() + "." + c.Fun() {
	case "file.managed":
		if _, list := c[key].([]any); list {
			m := "Unable to manage file: none of the specified sources were found"
			return lowstate.Failure{Comment: m, TestComment: m}
		}
		m := fmt.Sprintf("Source file %s not found in saltenv '%s'", src, env)
		return lowstate.Failure{Comment: m, TestComment: "Unable to manage file: " + m}
	case "cmd.script", "cmd.wait_script":
		return scriptCacheError(src, env)
	case "ssh_auth.present":
		// a dry run finds no file, so no keys and no error: "All host
		// keys in file SRC are already present" (the function says it)
		return lowstate.Failure{Comment: fmt.Sprintf("Failed to add the ssh key. Source file %s is missing", src)}
	case "ssh_auth.absent":
		return lowstate.Failure{Comment: fmt.Sprintf("Failed to remove the ssh key. Source file %s is missing", src)}
	case "archive.extracted":
		// a dry run predicts "would be cached" without looking
		return lowstate.Failure{Comment: fmt.Sprintf("Failed to cache %s, check minion log for more information", src)}
	}
	m := fmt.Sprintf("Source file %s not found in saltenv '%s'", src, env)
	return lowstate.Failure{Comment: m, TestComment: m}
}

// scriptCacheError is cmd.script's failure when its script cannot be
// fetched or rendered: cmdmod.script's cache_error return as the changes
// (a dry run predicts "would have been executed" without looking).
func scriptCacheError(src, env string) lowstate.Failure {
	return lowstate.Failure{
		Comment: fmt.Sprintf("Unable to cache script %s from saltenv '%s'", src, env),
		Changes: map[string]any{"pid": 0, "retcode": 1, "stdout": "", "stderr": "", "cache_error": true},
	}
}

// renderFileTemplate renders a file with the chunk's template engine for
// the target path name.
func (r *run) renderFileTemplate(c lowstate.Chunk, name, env, rel, full string, data []byte) ([]byte, bool) {
	engine := c.Str("template")
	if engine == "" {
		return data, true
	}
	if engine != "jinja" {
		r.chunkErr(c, "template engine '%s' is not supported by brine (only jinja)", engine)
		return nil, false
	}
	vars := r.baseVars(env, false)
	vars["pillar"], vars["salt"] = r.hostView()
	slsVars(vars, c.SLS(), rel, full)
	vars["sls"] = c.SLS()
	// salt/modules/file.py get_managed hands the template name, source
	// (the salt:// URL), user, group, mode and attrs, then the state's
	// own **kwargs (format_call passes a function that takes **kwargs
	// every argument it does not name); context and defaults override
	// them (render_tmpl: kws.update(context)).
	vars["name"] = name
	vars["source"] = "salt://" + rel
	if u := c.Str(lowstate.KeySource); u != "" && c.Fun() != "recurse" {
		vars["source"] = u
	}
	for _, k := range []string{"user", "group", "mode", "attrs"} {
		vars[k] = c[k]
	}
	for k, v := range r.templateKwargs(c) {
		vars[k] = v
	}
	extra := map[string]any{}
	for _, k := range []string{"defaults", "context"} {
		v, ok := c[k]
		if !ok || v == nil {
			continue
		}
		m, ok := v.(map[string]any)
		if !ok {
			r.chunkErr(c, "%s must be a dictionary", k)
			return nil, false
		}
		for kk, vv := range m {
			extra[kk] = vv
		}
	}
	if acc, ok := r.accum[c.Name()]; ok && c.State() == "file" {
		// Salt's file.managed: context["accumulator"] = accum_data[name]
		extra["accumulator"] = acc
	}
	for k, v := range extra {
		vars[k] = v
	}
	key := contextKey(env, c.SLS(), extra)
	out, err := r.render(r.c.envRenderer(env, false), full, data, vars, key)
	switch {
	case err != nil && r.needsTarget:
		r.chunkErr(c, "Unable to manage file: Jinja error: %v", err)
		return nil, false
	case err != nil && (c.State() == "cmd"):
		failAtRun(c, scriptCacheError(c.Str(lowstate.KeySource), c.Str("__env__")))
		return nil, false
	case err != nil:
		// Salt renders file templates when the state runs: the error
		// fails that state only. A real run says "Unable to manage file:
		// ..."; in test mode the SaltRenderError escapes
		// file.check_managed_changes and State.call reports the exception.
		m := saltRenderError(err)
		failAtRun(c, lowstate.Failure{Comment: "Unable to manage file: " + m,
			TestComment: "An exception occurred in this state: salt.exceptions.SaltRenderError: " + m})
		return nil, false
	}
	return []byte(out), true
}

// resolveRecurse packs every file under a salt:// directory (first root
// that has a relative path wins) into KeyFiles and KeyDirs.
func (r *run) resolveRecurse(c lowstate.Chunk, key string) {
	env := c.Str("__env__")
	cands := sourceCandidates(c[key])
	if len(cands) == 0 {
		return
	}
	u := cands[0]
	for _, cand := range cands {
		if !strings.HasPrefix(cand, "salt://") {
			m := fmt.Sprintf("Invalid source '%s' (must be a salt:// URI)", strings.TrimRight(cand, "/"))
			failAtRun(c, lowstate.Failure{Comment: m, TestComment: m})
			return
		}
	}
	rel, senv := saltURL(u, env)
	rel = strings.Trim(cleanRel(rel), "/")
	incl, excl := c["include_pat"], c["exclude_pat"]
	files := map[string]any{}
	modes := map[string]any{}
	keep := lowstate.KeepMode(c["file_mode"])
	dirSet := map[string]bool{}
	found := false
	for _, root := range r.c.tree.FileRoots[senv] {
		base := filepath.Join(root, filepath.FromSlash(rel))
		st, err := os.Stat(base)
		if err != nil || !st.IsDir() {
			continue
		}
		found = true
		err = filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			relp, _ := filepath.Rel(base, p)
			relp = filepath.ToSlash(relp)
			if relp == "." {
				return nil
			}
			if d.IsDir() {
				dirSet[relp] = true
				return nil
			}
			if !d.Type().IsRegular() {
				return nil
			}
			if _, seen := files[relp]; seen || !fnmatch.IncludeExclude(relp, incl, excl) {
				return nil
			}
			data, ok := r.c.readFile(p)
			if !ok {
				return nil
			}
			out, ok := r.renderFileTemplate(c, path.Join(c.Name(), relp), senv, path.Join(rel, relp), p, data)
			if !ok {
				return fs.SkipAll
			}
			h := hashBytes(out)
			r.files[h] = out
			files[relp] = h
			if keep {
				if st, err := os.Stat(p); err == nil {
					modes[relp] = state.FormatMode(st.Mode())
				}
			}
			return nil
		})
		if err != nil {
			r.chunkErr(c, "reading %s: %v", base, err)
			return
		}
	}
	if !found {
		m := "Recurse failed: none of the specified sources were found"
		failAtRun(c, lowstate.Failure{Comment: m, TestComment: m})
		return
	}
	dirs := make([]any, 0, len(dirSet))
	keys := make([]string, 0, len(dirSet))
	for d := range dirSet {
		keys = append(keys, d)
	}
	sort.Strings(keys)
	for _, d := range keys {
		dirs = append(dirs, d)
	}
	c[lowstate.KeyFiles] = files
	if keep {
		c[lowstate.KeyModes] = modes
	}
	c[lowstate.KeyDirs] = dirs
	c[lowstate.KeySource] = u
}

// saltRenderError words a template error as salt/utils/templates.py does
// ("Jinja variable ..." for an undefined value, "Jinja syntax error: ..."
// for a parse error, "Jinja error: ..." otherwise), followed by where it
// happened, which Salt leaves out for the template itself.
func saltRenderError(err error) string {
	var je *jinja.Error
	if !errors.As(err, &je) {
		return fmt.Sprintf("Jinja error: %v", err)
	}
	kind := "Jinja error: "
	switch {
	case je.Undefined:
		kind = "Jinja variable "
	case je.Syntax:
		kind = "Jinja syntax error: "
	}
	return fmt.Sprintf("%s%s; line %d of %s", kind, je.Msg, je.Line, je.File)
}

// templateKwargs are the chunk's arguments that reach a file template as
// variables the way Salt passes them: those a function taking **kwargs
// receives beyond its named arguments (not the state system's keywords).
func (r *run) templateKwargs(c lowstate.Chunk) map[string]any {
	f, ok := r.c.cat.Func(c.State(), c.Fun())
	if !ok || !f.Kwargs {
		return nil
	}
	out := map[string]any{}
	for k, v := range c {
		if k == "name" || spec.Internal(k) {
			continue
		}
		if _, named := f.Arg(k); named {
			continue
		}
		out[k] = v
	}
	return out
}
