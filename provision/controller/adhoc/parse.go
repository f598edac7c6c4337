// Package adhoc runs Salt's execution functions from the command line
// (`brine TARGET mod.fun [ARGS...] [key=value...]`) on the controller's
// side: it reads the words as Salt's CLI reads them (parse_input,
// yamlify_arg), binds them to the function's Salt signature from the
// catalog (provision/wire/funcs) before any host is contacted, names the
// closest functions for a name brine does not have, and builds the job the
// dispatcher runs: one executor call per host for host functions, the
// compiler for functions salt-ssh answers on the master (pillar.*,
// config.*, state.show_*), the catalogs for sys.*.
package adhoc

import (
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"
)

// Parse reads command-line words as Salt's CLI does
// (salt.utils.args.parse_input): a word "key=value" whose key is a Python
// identifier (dots and dashes allowed after the first character) is a
// keyword argument, any other word positional; every value goes through
// yamlify_arg. order lists the keywords as given (a repeated key keeps its
// first place and its last value, as a Python dict does). The values of
// keywords named in noParse stay as typed (salt-ssh's --no-parse).
func Parse(words []string, noParse ...string) (args []any, kwargs map[string]any, order []string) {
	kwargs = map[string]any{}
	for _, w := range words {
		if k, v, ok := Keyword(w); ok {
			if _, seen := kwargs[k]; !seen {
				order = append(order, k)
			}
			kwargs[k] = Yamlify(v)
			if slices.Contains(noParse, k) {
				kwargs[k] = v
			}
			continue
		}
		args = append(args, Yamlify(w))
	}
	return args, kwargs, order
}

// Keyword is Salt's parse_kwarg, KWARG_REGEX, ^([^\d\W][\w.-]*)=(?!=)(.*)$, without
// re.DOTALL: the value holds no newline (but may end with one, which $
// allows and the group leaves out).
func Keyword(w string) (key, val string, ok bool) {
	i := strings.IndexByte(w, '=')
	if i <= 0 {
		return "", "", false
	}
	key, val = w[:i], w[i+1:]
	for j, r := range key {
		word := r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
		if j == 0 && (!word || unicode.IsDigit(r)) || j > 0 && !word && r != '.' && r != '-' {
			return "", "", false
		}
	}
	if strings.HasPrefix(val, "=") {
		return "", "", false
	}
	if strings.HasSuffix(val, "\n") {
		val = val[:len(val)-1]
	}
	if strings.Contains(val, "\n") {
		return "", "", false
	}
	return key, val, true
}

// Yamlify is Salt's yamlify_arg: the word loaded as YAML (Salt's YAML 1.1
// loader) when that gives a number, boolean, None, a string, a list written
// in brackets or a dict written in braces; else the word itself.
func Yamlify(arg string) any {
	st := strings.TrimSpace(arg)
	switch {
	case st == "" || st == "---" || st == "...":
		return arg
	case strings.Contains(arg, "_") && strings.Trim(st, "0123456789_") == "":
		return arg
	case strings.ContainsAny(arg, "\t\r\n"):
		return arg
	}
	v, err := yamlLoad(arg)
	if err != nil {
		return arg
	}
	if strings.Contains(arg, "#") {
		if _, isStr := v.(string); isStr || v == nil {
			return arg
		}
		return v
	}
	if arg == "None" {
		return nil
	}
	switch t := v.(type) {
	case map[string]any:
		if !strings.HasPrefix(arg, "{") {
			return arg
		}
		return t
	case []any:
		if !strings.HasPrefix(arg, "[") {
			return arg
		}
		return t
	case nil:
		if strings.HasPrefix(st, "#") || arg == "!" {
			return arg
		}
		return nil
	case string:
		if t == "" && (arg == "|" || arg == "!") {
			return arg
		}
		return t
	case unsupported:
		return arg
	}
	return v
}

// unsupported is a value yamlify_arg does not take (a timestamp): the word
// stays as it was.
type unsupported struct{}

// yamlLoad loads one YAML document the way Salt's SaltYamlSafeLoader does
// (PyYAML, YAML 1.1): plain scalars resolve by YAML 1.1's rules
// (yes/no/on/off are booleans, 0755 is 755 after Salt strips the leading
// zeros, 1:30 is 90, 1e3 is a string), quoted ones are strings.
func yamlLoad(s string) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errYAML
		}
	}()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(s), &doc); err != nil {
		return nil, err
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, nil
	}
	budget := 1 << 16
	return nodeValue(doc.Content[0], 0, &budget)
}

type yamlError string

func (e yamlError) Error() string { return string(e) }

const errYAML = yamlError("not YAML")

func nodeValue(n *yaml.Node, depth int, budget *int) (any, error) {
	if *budget--; *budget < 0 || depth > 100 {
		return nil, errYAML
	}
	switch n.Kind {
	case yaml.AliasNode:
		return nodeValue(n.Alias, depth+1, budget)
	case yaml.ScalarNode:
		return scalar(n)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := nodeValue(c, depth+1, budget)
			if err != nil {
				return nil, err
			}
			if _, bad := v.(unsupported); bad {
				v = c.Value
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, err := nodeValue(n.Content[i], depth+1, budget)
			if err != nil {
				return nil, err
			}
			v, err := nodeValue(n.Content[i+1], depth+1, budget)
			if err != nil {
				return nil, err
			}
			if _, bad := v.(unsupported); bad {
				v = n.Content[i+1].Value
			}
			key := n.Content[i].Value
			if s, ok := k.(string); ok {
				key = s
			}
			if _, dup := out[key]; dup {
				return nil, errYAML // Salt's loader: found conflicting ID
			}
			out[key] = v
		}
		return out, nil
	}
	return nil, errYAML
}

// YAML 1.1's implicit resolvers, as PyYAML has them.
var (
	yamlBool  = regexp.MustCompile(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)
	yamlInt   = regexp.MustCompile(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`)
	yamlFloat = regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)
	yamlNull  = regexp.MustCompile(`^(?:~|null|Null|NULL|)$`)
	yamlTime  = regexp.MustCompile(`^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$`)
)

// scalar resolves one scalar as PyYAML's SafeLoader with Salt's
// constructors.
func scalar(n *yaml.Node) (any, error) {
	v := n.Value
	tag := n.Tag
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		if tag == "" || tag == "!!str" || tag == "!" {
			return v, nil
		}
	}
	if n.Style&yaml.TaggedStyle == 0 {
		// a plain scalar: YAML 1.1 resolution, not yaml.v3's 1.2 one
		switch {
		case yamlBool.MatchString(v):
			tag = "!!bool"
		case yamlInt.MatchString(v):
			tag = "!!int"
		case yamlFloat.MatchString(v):
			tag = "!!float"
		case yamlNull.MatchString(v):
			tag = "!!null"
		case yamlTime.MatchString(v):
			tag = "!!timestamp"
		default:
			tag = "!!str"
		}
	}
	switch tag {
	case "!!str":
		return v, nil
	case "!!null":
		return nil, nil
	case "!!bool":
		switch strings.ToLower(v) {
		case "yes", "true", "on":
			return true, nil
		case "no", "false", "off":
			return false, nil
		}
	case "!!int":
		return yamlInteger(v)
	case "!!float":
		return yamlFloatValue(v)
	case "!!timestamp":
		return unsupported{}, nil
	}
	return nil, errYAML
}

// yamlInteger is PyYAML's construct_yaml_int after Salt strips leading
// zeros (so 0755 is the decimal 755, but -010 stays octal: -8).
func yamlInteger(v string) (any, error) {
	if v != "0" && strings.HasPrefix(v, "0") && !strings.HasPrefix(v, "0b") && !strings.HasPrefix(v, "0x") {
		v = strings.TrimLeft(v, "0")
		if v == "" {
			v = "0"
		}
	}
	v = strings.ReplaceAll(v, "_", "")
	sign := 1
	switch {
	case strings.HasPrefix(v, "-"):
		sign, v = -1, v[1:]
	case strings.HasPrefix(v, "+"):
		v = v[1:]
	}
	var n int64
	var err error
	switch {
	case v == "0":
		return 0, nil
	case strings.HasPrefix(v, "0b"):
		n, err = strconv.ParseInt(v[2:], 2, 64)
	case strings.HasPrefix(v, "0x"):
		n, err = strconv.ParseInt(v[2:], 16, 64)
	case strings.HasPrefix(v, "0"):
		n, err = strconv.ParseInt(v, 8, 64)
	case strings.Contains(v, ":"):
		for _, part := range strings.Split(v, ":") {
			d, perr := strconv.ParseInt(part, 10, 64)
			if perr != nil {
				return nil, perr
			}
			n = n*60 + d
		}
	default:
		n, err = strconv.ParseInt(v, 10, 64)
	}
	if err != nil {
		// beyond int64: Python's ints are unbounded; keep it a float
		f, ferr := strconv.ParseFloat(v, 64)
		if ferr != nil {
			return nil, err
		}
		return float64(sign) * f, nil
	}
	return sign * int(n), nil
}

// yamlFloatValue is PyYAML's construct_yaml_float.
func yamlFloatValue(v string) (any, error) {
	v = strings.ToLower(strings.ReplaceAll(v, "_", ""))
	sign := 1.0
	switch {
	case strings.HasPrefix(v, "-"):
		sign, v = -1, v[1:]
	case strings.HasPrefix(v, "+"):
		v = v[1:]
	}
	switch {
	case v == ".inf":
		return sign * math.Inf(1), nil
	case v == ".nan":
		return math.NaN(), nil
	case strings.Contains(v, ":"):
		parts := strings.Split(v, ":")
		f := 0.0
		for _, p := range parts {
			d, err := strconv.ParseFloat(p, 64)
			if err != nil {
				return nil, err
			}
			f = f*60 + d
		}
		return sign * f, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return nil, err
	}
	return sign * f, nil
}
