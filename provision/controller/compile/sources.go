package compile

import (
	"context"
	"fmt"

	"brine/provision/wire/lowstate"
)

// Source is a salt:// file or directory an execution function reads on
// the host (cmd.script's script, cp.get_file's file, pkg.install's .deb
// sources): the controller fetches it from its file roots, rendered with
// Template for the host, and sends it with the request.
type Source struct {
	URL     string
	Saltenv string
	// Template is the engine the file is rendered with ("" for none,
	// "jinja"); Context adds template variables.
	Template string
	Context  map[string]any
	// Dir takes every file under the URL (cp.get_dir).
	Dir bool
}

// Sources fetches the sources for the host into a bundle: Files by their
// content hash and Sources mapping each URL (a directory's files as
// URL/relative path, the URL itself to "") to its file's hash. A source
// that does not exist, or whose template fails, is left out: the host
// answers as Salt does for a file it could not cache. The host's pillar is
// compiled first (templates read it); its templates' calls to the host go
// through h.Call as for states.
func (c *Compiler) Sources(ctx context.Context, h Host, srcs []Source) (*lowstate.Bundle, error) {
	r := c.newRun(ctx, h)
	if err := r.compilePillar(); err != nil {
		return nil, err
	}
	b := &lowstate.Bundle{Files: map[string][]byte{}, Sources: map[string]string{}}
	for _, s := range srcs {
		env := s.Saltenv
		if env == "" {
			env = "base"
		}
		ch := lowstate.Chunk{"state": "cmd", "fun": "script", "name": s.URL, "source": s.URL, "__env__": env,
			"__sls__": "", "__id__": s.URL}
		if s.Template != "" {
			ch["template"] = s.Template
		}
		if s.Context != nil {
			ch["context"] = s.Context
		}
		if s.Dir {
			ch["state"], ch["fun"] = "file", "recurse"
			r.resolveRecurse(ch, "source")
			files, _ := ch[lowstate.KeyFiles].(map[string]any)
			if len(files) == 0 {
				continue
			}
			b.Sources[s.URL] = ""
			for rel, hv := range files {
				hs, _ := hv.(string)
				b.Sources[s.URL+"/"+rel] = hs
			}
		} else {
			r.resolveSource(ch, "source", s.Template != "")
			hs, _ := ch[lowstate.KeyFile].(string)
			if hs == "" {
				continue
			}
			b.Sources[s.URL] = hs
		}
		if r.needsTarget {
			return nil, fmt.Errorf("%s: %w", s.URL, ErrNeedsTarget)
		}
	}
	if len(r.errs) > 0 && r.needsTarget {
		return nil, ErrNeedsTarget
	}
	for h, data := range r.files {
		b.Files[h] = data
	}
	return b, nil
}
