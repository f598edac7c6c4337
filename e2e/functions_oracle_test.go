package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestFunctionRecordings checks that every case of
// testdata/oracle/functions.yaml has its recording, made with the case's
// own command (a case edited without recording it again fails here), and
// that no recording is left without its case.
func TestFunctionRecordings(t *testing.T) {
	cases := functionCases(t)
	want := map[string]bool{}
	for _, fc := range cases {
		want[fc.ID+".json"] = true
		b, err := os.ReadFile(filepath.Join("testdata/oracle/functions", fc.ID+".json"))
		if err != nil {
			t.Errorf("%s: no recording: %v", fc.ID, err)
			continue
		}
		var rec functionRecording
		if err := json.Unmarshal(b, &rec); err != nil {
			t.Errorf("%s: %v", fc.ID, err)
			continue
		}
		cmd := append(append(append([]string{"salt-ssh", "-c", "$CONFIG", "--ignore-host-keys", "--out", "json"}, fc.Options...), "--static", twinName), fc.Argv...)
		if !reflect.DeepEqual(rec.Command, cmd) {
			t.Errorf("%s: recorded with %q, the case says %q: record it again", fc.ID, rec.Command, cmd)
		}
	}
	files, _ := filepath.Glob("testdata/oracle/functions/*.json")
	for _, f := range files {
		if !want[filepath.Base(f)] {
			t.Errorf("%s has no case in functions.yaml", f)
		}
	}
}
