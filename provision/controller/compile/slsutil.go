package compile

import (
	"fmt"
	"strings"

	"brine/provision/controller/compile/jinja"
	"brine/provision/lib/pyfmt"
)

// slsutilSerialize is slsutil.serialize(serializer, obj, **kwargs): Salt's
// serializers as templates call them (the _mapdata states of the
// saltstack-formulas template write their map with it). yaml honours
// default_flow_style (None, Salt's default: collections of scalars in flow
// style; False: block; True: flow) and json indent and sort_keys, laid out
// as PyYAML and Python's json write them. Other serializers are refused by
// name rather than answered differently.
func slsutilSerialize(a []any, kw map[string]any) (any, error) {
	name, obj := pyfmt.Str(argN(a, 0)), argN(a, 1)
	if v, ok := kw["serializer"]; ok {
		name = pyfmt.Str(v)
	}
	if v, ok := kw["obj"]; ok {
		obj = v
	}
	switch name {
	case "yaml":
		var s string
		var err error
		switch fs, set := kw["default_flow_style"]; {
		case !set || fs == nil:
			s, err = pyfmt.YAML(obj, pyfmt.Mixed)
		case pyfmt.Truth(fs):
			s, err = pyfmt.YAML(obj, pyfmt.Flow)
		default:
			s, err = pyfmt.YAML(obj, pyfmt.Block)
		}
		if err != nil {
			return nil, fmt.Errorf("slsutil.serialize: %v", err)
		}
		// salt.serializers.yaml strips PyYAML's document end marker
		return strings.TrimSuffix(s, "\n..."), nil
	case "json":
		indent := -1
		if v, ok := kw["indent"]; ok && v != nil {
			n, ok := v.(int)
			if !ok {
				return nil, fmt.Errorf("slsutil.serialize: json indent must be an integer, not %s", pyfmt.TypeName(v))
			}
			indent = n
		}
		return pyfmt.JSON(obj, indent, pyfmt.Truth(kw["sort_keys"]))
	}
	return nil, serializerErr(name)
}

// slsutilDeserialize is slsutil.deserialize(serializer, stream_or_string).
func slsutilDeserialize(a []any, kw map[string]any) (any, error) {
	name, text := pyfmt.Str(argN(a, 0)), pyfmt.Str(argN(a, 1))
	if v, ok := kw["serializer"]; ok {
		name = pyfmt.Str(v)
	}
	if v, ok := kw["stream_or_string"]; ok {
		text = pyfmt.Str(v)
	}
	switch name {
	case "yaml":
		return jinja.LoadYAML(text)
	case "json":
		return jinja.LoadJSON(text)
	}
	return nil, serializerErr(name)
}

// serializerErr is Salt's "not found" for a serializer Salt lacks, and says
// plainly which of Salt's brine does not implement in templates.
func serializerErr(name string) error {
	switch name {
	case "toml", "msgpack", "python", "configparser", "plist", "keyvalue", "tomlmod":
		return fmt.Errorf("slsutil: Salt's serializer '%s' is not implemented by brine in templates (yaml and json are)", name)
	}
	return fmt.Errorf("Serializer '%s' not found.", name)
}
