package adhoc

import (
	"strings"

	"brine/provision/controller/compile"
	"brine/provision/lib/pyfmt"
)

// Sources lists the salt:// files the call reads on the host (cmd.script's
// script, cp.*'s files, archive.list's archive, pkg.install's sources): the controller sends them
// with the request, rendered for the host when the function renders them.
func (c *Call) Sources() []compile.Source {
	v := c.Bound.Values
	str := func(k string) string {
		if v[k] == nil {
			return ""
		}
		return pyfmt.Str(v[k])
	}
	one := func(url, template string, dir bool) []compile.Source {
		if !strings.HasPrefix(url, "salt://") {
			return nil
		}
		return []compile.Source{{URL: url, Saltenv: str("saltenv"), Template: template, Dir: dir}}
	}
	switch c.Func.Name {
	case "cmd.script", "cmd.script_retcode":
		return one(str("source"), str("template"), false)
	case "cp.get_file", "cp.get_template":
		return one(str("path"), str("template"), false)
	case "cp.get_dir":
		return one(str("path"), str("template"), true)
	case "cp.get_file_str", "cp.cache_file", "cp.hash_file":
		return one(str("path"), "", false)
	case "archive.list", "archive.is_encrypted":
		return one(str("name"), "", false)
	case "pkg.install":
		var out []compile.Source
		list, _ := v["sources"].([]any)
		for _, s := range list {
			m, _ := s.(map[string]any)
			for _, u := range m {
				out = append(out, one(pyfmt.Str(u), "", false)...)
			}
		}
		return out
	}
	return nil
}
