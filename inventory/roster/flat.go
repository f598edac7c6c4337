package roster

import (
	"bytes"
	"fmt"

	"gopkg.in/yaml.v3"
)

// flat is salt-ssh's flat roster: a YAML (or JSON) map of host ids to their
// settings or to a bare host address; YAML anchors and merge keys
// (<<: *base) work as in salt-ssh.
type flat struct{}

func (flat) ScriptArgs() ([]string, bool) { return nil, true }

func (flat) Parse(file string, data []byte, defaults map[string]any) (*Roster, error) {
	return Parse(file, data, defaults)
}

// Parse parses flat roster data; file is used in messages only.
func Parse(file string, data []byte, defaults map[string]any) (*Roster, error) {
	b, err := newBuilder(file, defaults)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("roster %s: %w", file, err)
	}
	if len(doc.Content) == 0 || len(bytes.TrimSpace(data)) == 0 {
		return b.r, nil
	}
	top := deref(doc.Content[0])
	if top.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("roster %s:%d: the roster must be a map of host ids to settings", file, top.Line)
	}
	pairs, err := mappingPairs(top)
	if err != nil {
		return nil, fmt.Errorf("roster %s: %w", file, err)
	}
	for _, kv := range pairs {
		if err := b.add(file, kv[0].Value, kv[0].Line, kv[1]); err != nil {
			return nil, err
		}
	}
	return b.r, nil
}
