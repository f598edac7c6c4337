package jinja

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"brine/provision/lib/pyfmt"
)

// ---- YAML loading (PyYAML 1.1 scalar rules, as Salt's loader) ----

// loadYAML parses YAML text into engine values (dict order preserved).
func loadYAML(text string) (v any, err error) {
	defer func() {
		if p := recover(); p != nil {
			v, err = nil, fmt.Errorf("invalid YAML: %v", p)
		}
	}()
	var doc yaml.Node
	dec := yaml.NewDecoder(strings.NewReader(text))
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, nil
		}
		return nil, fmt.Errorf("invalid YAML: %v", err)
	}
	c := &yamlConv{anchors: map[*yaml.Node]any{}}
	return c.conv(&doc, 0)
}

type yamlConv struct {
	anchors map[*yaml.Node]any
	nodes   int
}

func (c *yamlConv) conv(n *yaml.Node, depth int) (any, error) {
	c.nodes++
	if depth > maxDataDepth || c.nodes > 1<<22 {
		return nil, fmt.Errorf("YAML document too deep or too large")
	}
	if v, ok := c.anchors[n]; ok {
		return v, nil
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return c.conv(n.Content[0], depth+1)
	case yaml.AliasNode:
		return c.conv(n.Alias, depth+1)
	case yaml.ScalarNode:
		var v any
		switch {
		case n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0:
			v = n.Value
		case n.Style&yaml.TaggedStyle != 0 && n.Tag != "!!int" && n.Tag != "!!float" && n.Tag != "!!bool" && n.Tag != "!!null":
			v = n.Value
		default:
			v = pyfmt.YAMLPlain(n.Value)
		}
		if n.Anchor != "" {
			c.anchors[n] = v
		}
		return v, nil
	case yaml.SequenceNode:
		l := &pyList{items: make([]any, 0, len(n.Content))}
		if n.Anchor != "" {
			c.anchors[n] = l
		}
		for _, it := range n.Content {
			v, err := c.conv(it, depth+1)
			if err != nil {
				return nil, err
			}
			l.items = append(l.items, v)
		}
		return l, nil
	case yaml.MappingNode:
		d := newDict()
		if n.Anchor != "" {
			c.anchors[n] = d
		}
		// PyYAML's flatten_mapping: merged keys come first (earlier merges win), explicit keys override.
		var merges []*pyDict
		for i := 0; i+1 < len(n.Content); i += 2 {
			kn, vn := n.Content[i], n.Content[i+1]
			if kn.Kind == yaml.ScalarNode && kn.Value == "<<" && kn.Style == 0 {
				mv, err := c.conv(vn, depth+1)
				if err != nil {
					return nil, err
				}
				switch m := mv.(type) {
				case *pyDict:
					merges = append(merges, m)
				case *pyList:
					for _, it := range m.items {
						if md, ok := it.(*pyDict); ok {
							merges = append(merges, md)
						}
					}
				}
			}
		}
		for _, m := range merges {
			for _, k := range m.keys {
				if _, exists := d.m[k]; !exists {
					d.Set(m.key(k), m.m[k])
				}
			}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			kn, vn := n.Content[i], n.Content[i+1]
			if kn.Kind == yaml.ScalarNode && kn.Value == "<<" && kn.Style == 0 {
				continue
			}
			k, err := c.conv(kn, depth+1)
			if err != nil {
				return nil, err
			}
			v, err := c.conv(vn, depth+1)
			if err != nil {
				return nil, err
			}
			if l, ok := k.(*pyList); ok {
				k = pyTuple(l.items)
			}
			if !d.Set(k, v) {
				return nil, fmt.Errorf("line %d: unhashable mapping key", kn.Line)
			}
		}
		return d, nil
	}
	return nil, nil
}

// loadJSON parses JSON text into engine values (object order preserved).
func loadJSON(text string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	v, err := jsonValue(dec, 0)
	if err != nil {
		return nil, fmt.Errorf("invalid JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("invalid JSON: extra data after the value")
	}
	return v, nil
}

func jsonValue(dec *json.Decoder, depth int) (any, error) {
	if depth > maxDataDepth {
		return nil, fmt.Errorf("nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			d := newDict()
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				v, err := jsonValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				d.Set(k, v)
			}
			_, err := dec.Token()
			return d, err
		case '[':
			l := &pyList{}
			for dec.More() {
				v, err := jsonValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				l.items = append(l.items, v)
			}
			_, err := dec.Token()
			return l, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	case json.Number:
		if i, err := strconv.ParseInt(t.String(), 10, 64); err == nil {
			return int(i), nil
		}
		f, err := t.Float64()
		if err != nil && !strings.Contains(err.Error(), "range") {
			return nil, err
		}
		return f, nil
	case string, bool, nil:
		return t, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

// ---- JSON and YAML output (pyfmt: json.dumps, yaml.safe_dump) ----

type jsonOpts struct {
	sortKeys bool
	indent   int // <0: compact one-line with ", " and ": "
	html     bool
}

func dumpJSON(v any, o jsonOpts) (string, error) {
	s, err := pyfmt.JSON(v, o.indent, o.sortKeys)
	if err != nil {
		return "", err
	}
	if o.html {
		s = strings.NewReplacer("<", `\u003c`, ">", `\u003e`, "&", `\u0026`, "'", `\u0027`).Replace(s)
	}
	return s, nil
}

func dumpYAMLFlow(v any) (string, error) { return pyfmt.YAML(v, pyfmt.Flow) }

// dumpYAMLBlock renders block-style YAML laid out like PyYAML's safe_dump(default_flow_style=False).
func dumpYAMLBlock(v any) (string, error) { return pyfmt.YAML(v, pyfmt.Block) }
