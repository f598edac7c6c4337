package report

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestYAMLRecorded compares encodeYAML with what Salt 3007.1's yaml
// outputter printed for the same documents (testdata/record-yaml.py).
func TestYAMLRecorded(t *testing.T) {
	b, err := os.ReadFile("testdata/yaml.json")
	if err != nil {
		t.Fatal(err)
	}
	var recs []struct {
		Doc  json.RawMessage `json:"doc"`
		YAML string          `json:"yaml"`
	}
	if err := json.Unmarshal(b, &recs); err != nil {
		t.Fatal(err)
	}
	for i, r := range recs {
		d := json.NewDecoder(bytes.NewReader(r.Doc))
		d.UseNumber()
		var doc any
		if err := d.Decode(&doc); err != nil {
			t.Fatal(err)
		}
		var out strings.Builder
		if err := encodeYAML(&out, doc); err != nil {
			t.Fatal(err)
		}
		if out.String() != r.YAML {
			t.Errorf("document %d:\n%s\nSalt's:\n%s", i, out.String(), r.YAML)
		}
	}
}
