package compile

import (
	"fmt"
	"strconv"
	"strings"

	"brine/provision/controller/compile/jinja"

	"gopkg.in/yaml.v3"
)

// modeKeys are argument keys whose unquoted integer values keep their literal
// text, so `mode: 440` stays "440" and `mode: 0644` stays "0644".
func isModeKey(k string) bool {
	return k == "mode" || k == "dir_mode" || k == "file_mode"
}

// parseYAML parses one YAML document into its root node (nil for an empty
// document).
func parseYAML(src []byte) (n *yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: %v", r)
		}
	}()
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, err
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// resolveAlias follows alias nodes.
func resolveAlias(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// mapPair is one key/value of a YAML mapping, in document order.
type mapPair struct {
	Key  string
	KeyN *yaml.Node
	Val  *yaml.Node
}

// mappingPairs returns the pairs of a mapping node (merge keys "<<" expanded),
// or an error for duplicate keys, which Salt's loader rejects.
func mappingPairs(n *yaml.Node) ([]mapPair, error) {
	n = resolveAlias(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("not a mapping")
	}
	var out []mapPair
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolveAlias(n.Content[i]), n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			merged, err := mappingPairs(v)
			if err != nil {
				continue
			}
			for _, p := range merged {
				if _, dup := seen[p.Key]; !dup {
					seen[p.Key] = len(out)
					out = append(out, p)
				}
			}
			continue
		}
		key, err := scalarKey(k)
		if err != nil {
			return nil, err
		}
		if _, dup := seen[key]; dup {
			return nil, fmt.Errorf("line %d: found conflicting ID '%s'", k.Line, key)
		}
		seen[key] = len(out)
		out = append(out, mapPair{Key: key, KeyN: k, Val: v})
	}
	return out, nil
}

// scalarKey renders a mapping key as a string, as Salt's ids are strings.
func scalarKey(k *yaml.Node) (string, error) {
	if k.Kind != yaml.ScalarNode {
		return "", fmt.Errorf("line %d: mapping key is not a scalar", k.Line)
	}
	v, err := nodeValue(k, "")
	if err != nil {
		return "", err
	}
	if v == nil {
		return "None", nil
	}
	if s, ok := v.(string); ok {
		return s, nil
	}
	return k.Value, nil
}

// nodeValue converts a node into plain Go values (map[string]any, []any,
// string, int, float64, bool, nil). parentKey is the mapping key the value is
// under, used to keep mode-like integers as literal text.
func nodeValue(n *yaml.Node, parentKey string) (any, error) {
	return nodeValueOrdered(n, parentKey, nil)
}

// nodeValueOrdered is nodeValue noting each mapping's key order in o.
func nodeValueOrdered(n *yaml.Node, parentKey string, o *jinja.KeyOrder) (any, error) {
	budget := maxYAMLNodes
	return nodeValueDepth(n, parentKey, 0, &budget, o)
}

// maxYAMLNodes bounds the nodes one value may expand to, so alias bombs
// ("billion laughs") fail instead of eating the controller's memory.
const maxYAMLNodes = 1 << 20

func nodeValueDepth(n *yaml.Node, parentKey string, depth int, budget *int, o *jinja.KeyOrder) (any, error) {
	if depth > 200 {
		return nil, fmt.Errorf("line %d: YAML nested too deeply", n.Line)
	}
	if *budget--; *budget < 0 {
		return nil, fmt.Errorf("line %d: YAML document too large (alias expansion)", n.Line)
	}
	n = resolveAlias(n)
	if n == nil {
		return nil, nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return scalarValue(n, parentKey)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := nodeValueDepth(c, "", depth+1, budget, o)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		pairs, err := mappingPairs(n)
		if err != nil {
			return nil, err
		}
		out := make(map[string]any, len(pairs))
		if o != nil {
			keys := make([]string, len(pairs))
			for i, p := range pairs {
				keys[i] = p.Key
			}
			o.Note(out, keys)
		}
		for _, p := range pairs {
			v, err := nodeValueDepth(p.Val, p.Key, depth+1, budget, o)
			if err != nil {
				return nil, err
			}
			out[p.Key] = v
		}
		return out, nil
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return nodeValueDepth(n.Content[0], parentKey, depth+1, budget, o)
	}
	return nil, fmt.Errorf("line %d: unsupported YAML node", n.Line)
}

// scalarValue resolves a scalar like PyYAML's YAML 1.1 loader that Salt uses:
// yes/no/on/off are booleans; mode-like integers keep their text.
func scalarValue(n *yaml.Node, parentKey string) (any, error) {
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return n.Value, nil
	}
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		b, err := strconv.ParseBool(strings.ToLower(n.Value))
		if err != nil {
			return n.Value, nil
		}
		return b, nil
	case "!!int":
		if isModeKey(parentKey) {
			return n.Value, nil
		}
		// Salt's loader strips leading zeros: 0440 is 440, not octal.
		v := strings.ReplaceAll(n.Value, "_", "")
		if len(v) > 1 && v[0] == '0' && !strings.HasPrefix(v, "0x") && !strings.HasPrefix(v, "0b") && !strings.HasPrefix(v, "0o") {
			t := strings.TrimLeft(v, "0")
			if t == "" {
				t = "0"
			}
			if i, err := strconv.Atoi(t); err == nil {
				return i, nil
			}
		}
		var i int
		if err := n.Decode(&i); err != nil {
			var f float64
			if err := n.Decode(&f); err == nil {
				return f, nil
			}
			return n.Value, nil
		}
		return i, nil
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return n.Value, nil
		}
		return f, nil
	case "!!str", "!!timestamp", "!!binary":
		if n.Style == 0 {
			switch strings.ToLower(n.Value) {
			case "yes", "on":
				return true, nil
			case "no", "off":
				return false, nil
			}
		}
		return n.Value, nil
	}
	return n.Value, nil
}
