package grains

import (
	"context"
	"fmt"

	"gopkg.in/yaml.v3"
)

// PersistentFile holds the grains set on the host (grains.setval and
// friends write it): a YAML dict whose keys override the collected grains,
// as Salt's grains file beside the minion's config does.
const PersistentFile = "/etc/salt/grains"

// maxPersistent bounds what is read of the file: it is the host's own, but
// every run reads it.
const maxPersistent = 1 << 20

// persistentGrains overlays the grains file, when it holds a YAML dict.
func (s *system) persistentGrains(_ context.Context, g map[string]any) {
	b := s.read(PersistentFile)
	if b == "" || len(b) > maxPersistent {
		return
	}
	var v any
	if err := yaml.Unmarshal([]byte(b), &v); err != nil {
		return
	}
	m, ok := plain(v).(map[string]any)
	if !ok {
		return
	}
	for k, x := range m {
		g[k] = x
	}
}

// plain turns yaml.v3's maps with non-string keys into string-keyed ones,
// as grains travel as JSON.
func plain(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			t[k] = plain(x)
		}
		return t
	case map[any]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[fmt.Sprint(k)] = plain(x)
		}
		return out
	case []any:
		for i, x := range t {
			t[i] = plain(x)
		}
		return t
	}
	return v
}
