package lowstate

import (
	"reflect"
	"testing"
)

func TestParseRequisites(t *testing.T) {
	py := func(v any) string {
		if v == nil {
			return "None"
		}
		return scalar(v)
	}
	sls := RefOptions{Str: py}
	strict := RefOptions{Strict: true, Str: py}
	compiled := RefOptions{Compiled: true}
	tests := []struct {
		name string
		v    any
		o    RefOptions
		want []Ref
		ok   bool
	}{
		{"list of ids and maps, keys sorted", []any{"a", map[string]any{"pkg": "b", "file": "c"}}, sls,
			[]Ref{{"id", "a"}, {"file", "c"}, {"pkg", "b"}}, true},
		{"lone id", "a", sls, []Ref{{"id", "a"}}, true},
		{"lone map", map[string]any{"sls": "web"}, sls, []Ref{{"sls", "web"}}, true},
		{"strict rejects a lone id", "a", strict, nil, false},
		{"strict rejects a lone map", map[string]any{"sls": "web"}, strict, nil, false},
		{"strict list", []any{map[string]any{"file": 1.0}}, strict, []Ref{{"file", "1"}}, true},
		{"sls keeps odd items and nil targets", []any{2.0, map[string]any{"file": nil, "pkg.installed": "x"}}, sls,
			[]Ref{{"id", "2"}, {"file", "None"}, {"pkg.installed", "x"}}, true},
		{"sls rejects a number", 3.0, sls, nil, false},
		{"sls rejects nil", nil, sls, nil, false},
		{"sls rejects a typed map list", []map[string]any{{"a": "b"}}, sls, nil, false},
		{"compiled: nil is none", nil, compiled, nil, true},
		{"compiled skips odd items and nil targets, cuts dots", []any{2.0, map[string]any{"file": nil, "pkg.installed": "x"}}, compiled,
			[]Ref{{"pkg", "x"}}, true},
		{"compiled typed map list", []map[string]any{{"a": "b"}, {"c": true}}, compiled, []Ref{{"a", "b"}, {"c", "true"}}, true},
		{"compiled lone number is skipped", 3.0, compiled, nil, true},
	}
	for _, tc := range tests {
		got, ok := ParseRequisites(tc.v, tc.o)
		if ok != tc.ok || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: ParseRequisites(%#v) = %#v, %v; want %#v, %v", tc.name, tc.v, got, ok, tc.want, tc.ok)
		}
	}
}
