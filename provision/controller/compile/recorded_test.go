package compile

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"brine/provision/wire/lowstate"
)

// TestRequisitesAsRecorded compiles every tree and formula the e2e oracle
// recorded (e2e/testdata/{trees,formulas}/*/salt/lowstate.json, real
// salt-ssh 3007.1's state.show_lowstate) for a Debian 12 host and compares
// each chunk's requisites with Salt's: the same entries in the same order,
// duplicates included (Salt's requisite_in applies a list's earlier
// entries again for each later one). Trees whose render needs the target
// (execution functions) or that Salt did not render are skipped.
func TestRequisitesAsRecorded(t *testing.T) {
	e2e := filepath.Join("..", "..", "..", "e2e", "testdata")
	var dirs []string
	for _, g := range []string{"trees/*", "formulas/*"} {
		m, _ := filepath.Glob(filepath.Join(e2e, g))
		dirs = append(dirs, m...)
	}
	keys := []string{"require", "watch", "onchanges", "onfail", "prereq", "prerequired", "listen", "use"}
	compared := 0
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, "salt", "lowstate.json"))
		if err != nil {
			continue
		}
		var rec struct {
			Return any `json:"return"`
		}
		if err := json.Unmarshal(b, &rec); err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		salt, ok := rec.Return.([]any)
		if !ok || len(salt) == 0 || !isChunk(salt[0]) {
			continue // Salt did not render it
		}
		states, pillar := filepath.Join(dir, "states"), filepath.Join(dir, "pillar")
		if _, err := os.Stat(states); err != nil {
			continue // the repository's example tree: its own roots
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			c := New(Tree{FileRoots: map[string][]string{"base": {states}}, PillarRoots: map[string][]string{"base": {pillar}}})
			g := debianGrains(1)
			g["id"], g["host"], g["osmajorrelease"], g["osfinger"], g["kernel"] = "twin", "twin", 12, "Debian-12", "Linux"
			g["osrelease_info"], g["init"], g["cpuarch"] = []any{12, 11}, "systemd", "x86_64"
			res, err := c.Highstate(context.Background(), Host{ID: "twin", Grains: g})
			if err != nil {
				t.Skipf("does not compile here: %v", err)
			}
			byTag := map[string]lowstate.Chunk{}
			for _, ch := range res.Low {
				byTag[lowstate.Tag(ch.State(), ch.ID(), ch.Name(), ch.Fun())] = ch
			}
			for _, sc := range salt {
				s, _ := sc.(map[string]any)
				tag := lowstate.Tag(str(s["state"]), str(s["__id__"]), str(s["name"]), str(s["fun"]))
				bc, ok := byTag[tag]
				if !ok {
					t.Errorf("%s: no such chunk", tag)
					continue
				}
				for _, k := range keys {
					want, got := plainJSON(s[k]), plainJSON(bc[k])
					if !reflect.DeepEqual(want, got) {
						t.Errorf("%s %s:\nSalt:  %v\nbrine: %v", tag, k, want, got)
					}
				}
				compared++
			}
		})
	}
	if compared == 0 {
		t.Skip("no recordings")
	}
}

func isChunk(v any) bool {
	_, ok := v.(map[string]any)
	return ok
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// plainJSON is v as JSON decodes it (nil for a missing key).
func plainJSON(v any) any {
	if v == nil {
		return nil
	}
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}
