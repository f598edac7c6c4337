package run

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"brine/provision/controller/adhoc"
	"brine/provision/controller/history"
)

// Exit codes of a brine command (salt-ssh's aggregate code for host
// failures); Outcome.ExitCode gives a run's.
const (
	ExitOK          = 0
	ExitError       = 1
	ExitUsage       = 2
	ExitFailure     = 20
	ExitHangup      = 129
	ExitInterrupted = 130
)

// UsageError is a mistake in the command line, roster or config: the
// operator's to fix, before any host is touched (exit 2).
type UsageError struct{ Err error }

func (u UsageError) Error() string { return u.Err.Error() }
func (u UsageError) Unwrap() error { return u.Err }

// Usagef is a UsageError with a formatted message.
func Usagef(format string, a ...any) error { return UsageError{fmt.Errorf(format, a...)} }

// IsUsage reports whether err is the operator's mistake.
func IsUsage(err error) bool { return errors.As(err, &UsageError{}) }

// SplitArgs separates Salt-style key=value arguments from positional ones
// as Salt's CLI does (adhoc.Keyword); values are read as its YAML
// (adhoc.Yamlify: True, 1, [a, b]). Keys named in noParse keep their
// values as typed (salt-ssh's --no-parse). Positional arguments (SLS
// names) stay as typed.
func SplitArgs(args []string, noParse ...string) ([]string, map[string]any) {
	var pos []string
	kw := map[string]any{}
	for _, a := range args {
		if k, v, ok := adhoc.Keyword(a); ok {
			kw[k] = v
			if !slices.Contains(noParse, k) {
				kw[k] = adhoc.Yamlify(v)
			}
			continue
		}
		pos = append(pos, a)
	}
	return pos, kw
}

// ValidJID reports whether s is a job id as Salt makes them: 20 digits
// naming a time, YYYYmmddHHMMSSffffff.
func ValidJID(s string) bool {
	_, ok := history.ParseJID(s)
	return ok
}

// boolKwarg takes kw[k] out of kw as a boolean (Salt's True/False, yes/no).
func boolKwarg(kw map[string]any, k string) (bool, error) {
	v, ok := kw[k]
	if !ok {
		return false, nil
	}
	delete(kw, k)
	switch t := v.(type) {
	case bool:
		return t, nil
	case string:
		switch strings.ToLower(t) {
		case "yes", "y", "on", "1":
			return true, nil
		case "no", "n", "off", "0", "":
			return false, nil
		}
	case int:
		return t != 0, nil
	}
	return false, Usagef("%s=%v: want True or False", k, v)
}

// pillarKwarg takes the pillar= override out of kw (nil without one).
func pillarKwarg(kw map[string]any) (map[string]any, error) {
	v, ok := kw["pillar"]
	if !ok {
		return nil, nil
	}
	delete(kw, "pillar")
	switch t := v.(type) {
	case map[string]any:
		return t, nil
	case string:
		var m map[string]any
		if err := json.Unmarshal([]byte(t), &m); err != nil {
			return nil, Usagef("pillar=%s: want a JSON or YAML map, e.g. pillar='{\"k\": \"v\"}' (%v)", t, err)
		}
		return m, nil
	}
	return nil, Usagef("pillar=%v: want a map, e.g. pillar='{\"k\": \"v\"}'", v)
}

// pillarOverride is the parsed pillar= argument of kw (nil without one),
// leaving kw as it is.
func pillarOverride(kw map[string]any) (map[string]any, error) {
	v, ok := kw["pillar"]
	if !ok {
		return nil, nil
	}
	return pillarKwarg(map[string]any{"pillar": v})
}
