package compile

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"

	"brine/provision/controller/download"
	"brine/provision/host/state"
	"brine/provision/lib/sourcehash"
	"brine/provision/wire/lowstate"
)

// Option configures a Compiler.
type Option func(*Compiler)

// WithRemote lets the compile get http(s) sources with f: downloaded on the
// controller in a state run, read from f's cache only in a dry run. Without
// it no remote source is downloaded (the state.show_* functions: Salt's show
// functions fetch nothing either).
func WithRemote(f *download.Fetcher) Option {
	return func(c *Compiler) { c.remote = f }
}

// isRemote reports whether a source names a remote URL (anything with a
// scheme but salt:// and file://). Only http(s) can be downloaded; the others
// fail their state with a message saying so.
func isRemote(u string) bool {
	scheme, _, ok := strings.Cut(u, "://")
	if !ok || scheme == "" {
		return false
	}
	switch strings.ToLower(scheme) {
	case "salt", "file":
		return false
	}
	return true
}

// remoteUse is how one state function uses a remote source: Salt words the
// same failures differently per state.
type remoteUse struct {
	// hashRequired: a source_hash (or skip_verify) is required, with this
	// message when missing (file.managed, archive.extracted).
	hashRequired string
	// hashPrefix is put before Salt's source_hash format errors.
	hashPrefix string
	// fail words a failed download.
	fail func(u string, err error) lowstate.Failure
	// predictOnly: a dry run never looks at the content, not even a cached
	// copy (archive.extracted: "would be cached (if necessary)").
	predictOnly bool
	// template: the content is rendered with the chunk's template engine.
	template bool
}

// remoteUseFor returns how chunk c uses a remote source.
func remoteUseFor(c lowstate.Chunk) remoteUse {
	cached := func(u string, err error) lowstate.Failure {
		var me *sourcehash.MismatchError
		if errors.As(err, &me) {
			return failure(err.Error())
		}
		return failure(fmt.Sprintf("Failed to cache %s: %v", download.Redact(u), err))
	}
	switch c.State() + "." + c.Fun() {
	case "file.managed":
		return remoteUse{
			hashRequired: "Unable to verify upstream hash of source file %s, please set source_hash or set skip_verify to True",
			hashPrefix:   "Unable to manage file: ", fail: cached, template: true,
		}
	case "archive.extracted":
		// Salt's archive.extracted caches the source with file.cached, whose words these are.
		return remoteUse{
			hashRequired: "Unable to verify upstream hash of source file %s, please set source_hash or set skip_verify or use_etag to True",
			fail:         cached, predictOnly: true,
		}
	case "pkgrepo.managed":
		name := c.Name()
		return remoteUse{fail: func(u string, err error) lowstate.Failure {
			return failure(fmt.Sprintf("Failed to configure repo '%s': %v", name, err))
		}}
	case "cmd.script", "cmd.wait_script":
		env := c.Str("__env__")
		return remoteUse{template: true, fail: func(u string, err error) lowstate.Failure {
			return scriptCacheError(download.Redact(u), env)
		}}
	}
	return remoteUse{fail: cached, template: true}
}

// failure is a run-time failure with the same comment in a dry run.
func failure(msg string) lowstate.Failure { return lowstate.Failure{Comment: msg, TestComment: msg} }

// testMode reports whether this compile is for a dry run (test=True).
func (r *run) testMode() bool {
	b, _ := r.opts["test"].(bool)
	return b
}

// resolveRemote puts a remote source of chunk c into the bundle, as the
// compiler does for salt:// files. It never fails the compile: a source that
// cannot be had is marked to fail at run time (failAtRun: the state fails
// with Salt's comment, the other states run), and a dry run that may not
// download sets lowstate.KeyUnfetched (the state predicts without it). It
// returns false when the download failed, so a list of sources can go on to
// the next one.
func (r *run) resolveRemote(c lowstate.Chunk, u, hashSpec string) bool {
	use := remoteUseFor(c)
	test := r.testMode()
	shown := download.Redact(u)
	fail := func(f lowstate.Failure) bool {
		failAtRun(c, f)
		return false
	}
	if !download.Supported(u) {
		scheme, _, _ := strings.Cut(u, "://")
		return fail(use.fail(u, fmt.Errorf("unsupported protocol %q: brine downloads http:// and https:// sources (or ship the file in the state tree as salt://)", scheme)))
	}
	req := download.Request{URL: u, Insecure: !state.ArgBool(c, "verify_ssl", true)}
	skip := state.ArgBool(c, "skip_verify", false)
	hashSpec = strings.TrimSpace(hashSpec)
	switch {
	case skip:
	case hashSpec != "":
		want, known, msg := r.remoteSum(c, u, hashSpec, test)
		if msg != "" {
			return fail(failure(use.hashPrefix + msg))
		}
		if !known {
			c[lowstate.KeyUnfetched] = shown
			return true
		}
		req.Want = &want
	case use.hashRequired != "" && !(test && use.predictOnly):
		return fail(failure(fmt.Sprintf(use.hashRequired, shown)))
	}
	if test && use.predictOnly || r.c.remote == nil {
		c[lowstate.KeyUnfetched] = shown
		return true
	}
	var data []byte
	if test {
		b, ok := r.c.remote.Cached(req)
		if !ok {
			c[lowstate.KeyUnfetched] = shown
			return true
		}
		data = b
	} else {
		b, err := r.c.remote.Get(r.ctx, req)
		if err != nil {
			return fail(use.fail(u, err))
		}
		data = b
	}
	if use.template {
		c[lowstate.KeySource] = shown // the template's `source`
		out, ok := r.renderFileTemplate(c, c.Name(), c.Str("__env__"), urlPath(u), shown, data)
		if !ok {
			return true
		}
		data = out
	}
	h := hashBytes(data)
	r.files[h] = data
	c[lowstate.KeyFile] = h
	c[lowstate.KeySource] = shown
	return true
}

// remoteSum reads a source_hash: a digest, or a hash file (salt:// from the
// state tree, http(s) downloaded like a source) from which the digest for u
// is extracted as Salt does. known is false when a dry run would have to
// download the hash file. msg is Salt's comment for a source_hash that
// cannot be used.
func (r *run) remoteSum(c lowstate.Chunk, u, spec string, test bool) (want sourcehash.Sum, known bool, msg string) {
	if !sourcehash.IsFile(spec) {
		s, err := sourcehash.Parse(spec)
		if err != nil {
			return s, false, err.Error()
		}
		return s, true, ""
	}
	var text []byte
	switch {
	case strings.HasPrefix(spec, "salt://"):
		rel, senv := saltURL(spec, c.Str("__env__"))
		_, b, ok := r.c.find(r.c.tree.FileRoots[senv], rel)
		if !ok {
			return want, false, fmt.Sprintf("Source hash file %s not found", spec)
		}
		text = b
	case download.Supported(spec):
		req := download.Request{URL: spec, Insecure: !state.ArgBool(c, "verify_ssl", true)}
		if r.c.remote == nil {
			return want, false, ""
		}
		if test {
			b, ok := r.c.remote.Cached(req)
			if !ok {
				return want, false, ""
			}
			text = b
		} else {
			b, err := r.c.remote.Get(r.ctx, req)
			if err != nil {
				return want, false, fmt.Sprintf("Source hash file %s not found: %v", download.Redact(spec), err)
			}
			text = b
		}
	default:
		// Salt reads an absolute path (or file://) on the minion; brine
		// checks remote sources on the controller, before the host sees them.
		return want, false, fmt.Sprintf("Source hash file %s is a path on the host: brine checks remote sources on the controller, so give the hash itself, <hash_type>=<hash>, or a salt:// or https:// hash file", spec)
	}
	fileName := ""
	if c.State() == "file" {
		fileName = c.Name()
	}
	s, ok := sourcehash.Extract(string(text), c.Str("source_hash_name"), fileName, u)
	if !ok {
		_, err := sourcehash.Parse(spec)
		return s, false, err.Error()
	}
	return s, true, ""
}

// urlPath is the path of a URL, the "relative path" a remote template is
// rendered as.
func urlPath(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Path == "" {
		return path.Base(u)
	}
	return strings.TrimPrefix(p.Path, "/")
}

// sourceHashFor returns the hash a source list gives candidate u ({url:
// hash} items), or the chunk's source_hash.
func sourceHashFor(c lowstate.Chunk, key, u string) string {
	if l, ok := c[key].([]any); ok {
		for _, e := range l {
			if m, ok := e.(map[string]any); ok {
				if s := lowstate.Chunk(m).Str(u); s != "" {
					return s
				}
			}
		}
	}
	return c.Str("source_hash")
}
