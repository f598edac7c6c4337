package wire

import (
	"bytes"
	"encoding/json"
	"math"
)

// Grains is a grains map as it travels and is cached. Decoded from JSON,
// a whole number stays an int (num_cpus is 2, not 2.0, in a template) and
// only a number with a fraction or exponent is a float, as in Salt's grains.
type Grains map[string]any

// UnmarshalJSON implements json.Unmarshaler.
func (g *Grains) UnmarshalJSON(b []byte) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return err
	}
	if m == nil {
		*g = nil
		return nil
	}
	for k, v := range m {
		m[k] = numbers(v)
	}
	*g = m
	return nil
}

// numbers turns the json.Numbers of a decoded value into int or float64.
func numbers(v any) any {
	switch t := v.(type) {
	case json.Number:
		if i, err := t.Int64(); err == nil && i >= math.MinInt && i <= math.MaxInt {
			return int(i)
		}
		f, _ := t.Float64()
		return f
	case []any:
		for i, e := range t {
			t[i] = numbers(e)
		}
	case map[string]any:
		for k, e := range t {
			t[k] = numbers(e)
		}
	}
	return v
}
