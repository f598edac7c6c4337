package adhoc

import (
	"encoding/json"
	"math"
	"os"
	"reflect"
	"strconv"
	"testing"
)

// TestParseRecorded compares Parse with what Salt 3007.1's parse_input
// made of the same words (testdata/parse.json, recorded by
// testdata/record-parse.py from Salt's source).
func TestParseRecorded(t *testing.T) {
	b, err := os.ReadFile("testdata/parse.json")
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Salt  string
		Cases []struct {
			Word   string
			Args   []any
			Kwargs map[string]any
		}
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Salt != "3007.1" || len(rec.Cases) < 100 {
		t.Fatalf("recording of Salt %s with %d cases", rec.Salt, len(rec.Cases))
	}
	for _, c := range rec.Cases {
		args, kwargs, _ := Parse([]string{c.Word})
		want := map[string]any{"args": decode(c.Args), "kwargs": decode(c.Kwargs)}
		got := map[string]any{"args": norm(args), "kwargs": norm(kwargs)}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %#v\n want %#v", c.Word, got, want)
		}
	}
}

// decode turns the recording's JSON back into Go values: {"float": "1.5"}
// is a float, other numbers ints.
func decode(v any) any {
	switch t := v.(type) {
	case float64:
		return int(t)
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = decode(x)
		}
		return out
	case map[string]any:
		if f, ok := t["float"].(string); ok && len(t) == 1 {
			return floatKey(f)
		}
		out := map[string]any{}
		for k, x := range t {
			out[k] = decode(x)
		}
		return out
	case nil:
		return nil
	}
	return v
}

// floatKey makes floats comparable (NaN != NaN): their repr.
func floatKey(repr string) string { return "float:" + repr }

func norm(v any) any {
	switch t := v.(type) {
	case float64:
		switch {
		case math.IsNaN(t):
			return floatKey("nan")
		case math.IsInf(t, 1):
			return floatKey("inf")
		case math.IsInf(t, -1):
			return floatKey("-inf")
		case t == math.Trunc(t) && math.Abs(t) < 1e16:
			return floatKey(strconv.FormatFloat(t, 'f', 1, 64))
		}
		return floatKey(strconv.FormatFloat(t, 'g', -1, 64))
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = norm(x)
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, x := range t {
			out[k] = norm(x)
		}
		return out
	}
	if v == nil {
		return nil
	}
	return v
}

func TestParseOrder(t *testing.T) {
	args, kw, order := Parse([]string{"ls", "b=1", "/tmp", "a=2", "b=3"})
	if !reflect.DeepEqual(args, []any{"ls", "/tmp"}) || !reflect.DeepEqual(order, []string{"b", "a"}) || kw["b"] != 3 {
		t.Errorf("args %v kwargs %v order %v", args, kw, order)
	}
}
