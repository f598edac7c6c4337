package modules

import (
	"encoding/hex"
	"os"
	"path"
	"sort"
	"strings"

	"brine/provision/lib/sourcehash"
)

// cpCache is where cp.cache_file keeps the files it fetches, as a minion
// keeps them (salt-ssh keeps them under its thin directory).
const cpCache = "/var/cache/salt/minion/files"

// cpFuncs are the salt-ssh wrapper's cp functions that put the
// controller's salt:// files on the host (the controller sends them with
// the request, rendered for get_template): get_file, get_template,
// get_dir, get_file_str, cache_file, hash_file. list_master and friends
// are the controller's (provision/controller/compile).
func cpFuncs() map[string]fn {
	return map[string]fn{
		"cp.get_file":     {run: func(c *call) (any, error) { return c.cpGet(false) }},
		"cp.get_template": {run: func(c *call) (any, error) { return c.cpGet(true) }},
		"cp.get_dir":      {run: cpGetDir},
		"cp.get_file_str": {run: func(c *call) (any, error) {
			data, ok, err := c.source(c.str("path"), c.str("saltenv"))
			if err != nil || !ok {
				return false, err
			}
			return string(data), nil
		}},
		"cp.cache_file": {run: func(c *call) (any, error) {
			src := c.str("path")
			if !strings.HasPrefix(src, "salt://") {
				if _, err := os.Stat(c.host(strings.TrimPrefix(src, "file://"))); err != nil {
					return false, nil
				}
				return strings.TrimPrefix(src, "file://"), nil
			}
			data, ok, err := c.source(src, c.str("saltenv"))
			if err != nil || !ok {
				return false, err
			}
			dest := c.cachePath(src)
			if err := c.writeDest(dest, data, true); err != nil {
				return nil, err
			}
			return dest, nil
		}},
		"cp.hash_file": {run: func(c *call) (any, error) {
			data, ok, err := c.source(c.str("path"), c.str("saltenv"))
			if err != nil || !ok {
				return map[string]any{}, err
			}
			h, _ := sourcehash.New("sha256")
			h.Write(data)
			return map[string]any{"hsum": hex.EncodeToString(h.Sum(nil)), "hash_type": "sha256"}, nil
		}},
	}
}

// cachePath is where a salt:// URL is cached on the host.
func (c *call) cachePath(url string) string {
	rel, env := splitSaltURL(url, c.str("saltenv"))
	return cpCache + "/" + env + "/" + rel
}

// splitSaltURL splits salt://path?saltenv=env.
func splitSaltURL(u, env string) (string, string) {
	rest := strings.TrimPrefix(u, "salt://")
	if p, q, ok := strings.Cut(rest, "?"); ok {
		rest = p
		for _, kv := range strings.Split(q, "&") {
			if k, v, _ := strings.Cut(kv, "="); k == "saltenv" || k == "env" {
				env = v
			}
		}
	}
	if env == "" {
		env = "base"
	}
	return strings.TrimLeft(path.Clean("/"+rest), "/"), env
}

// writeDest writes a fetched file to dest (through a temp file and a
// rename), its directory made when makedirs.
func (c *call) writeDest(dest string, data []byte, makedirs bool) error {
	dir := path.Dir(dest)
	if makedirs {
		if err := os.MkdirAll(c.host(dir), 0o755); err != nil {
			return pyOSError(err, dir)
		}
	}
	return c.writeKeep(dest, data)
}

// cpGet is cp.get_file and cp.get_template: the file written to dest (in
// it when dest is a directory); the path written, or "" when the file is
// not in the file roots or dest's directory is missing without makedirs.
func (c *call) cpGet(template bool) (any, error) {
	src, dest := c.str("path"), c.expandUser(c.str("dest"))
	data, ok, err := c.source(src, c.str("saltenv"))
	if err != nil {
		return nil, err
	}
	if !ok {
		return "", nil
	}
	rel, _ := splitSaltURL(src, c.str("saltenv"))
	if fi, err := os.Stat(c.host(dest)); err == nil && fi.IsDir() || strings.HasSuffix(dest, "/") {
		dest = strings.TrimRight(dest, "/") + "/" + path.Base(rel)
	}
	makedirs := c.truth("makedirs")
	if _, err := os.Stat(c.host(path.Dir(dest))); err != nil && !makedirs {
		return "", nil
	}
	if err := c.writeDest(dest, data, makedirs); err != nil {
		return nil, err
	}
	return dest, nil
}

// cpGetDir is cp.get_dir: every file under the salt:// directory written
// under dest/<the directory's name>; the paths written.
func cpGetDir(c *call) (any, error) {
	src, dest := strings.TrimRight(c.str("path"), "/"), c.expandUser(c.str("dest"))
	if _, ok := c.env.Sources[src]; !ok {
		return []any{}, nil
	}
	rel, _ := splitSaltURL(src, c.str("saltenv"))
	base := strings.TrimRight(dest, "/") + "/" + path.Base(rel)
	var rels []string
	for k := range c.env.Sources {
		if r, ok := strings.CutPrefix(k, src+"/"); ok {
			rels = append(rels, r)
		}
	}
	sort.Strings(rels)
	out := []any{}
	for _, r := range rels {
		data, err := c.env.File(c.env.Sources[src+"/"+r])
		if err != nil {
			return nil, err
		}
		p := base + "/" + r
		if err := c.writeDest(p, data, true); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}
