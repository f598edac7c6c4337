package adhoc

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"gopkg.in/yaml.v3"

	"brine/provision/wire/funcs"
)

// bindingError is the words of an error Salt raises before the function
// runs: Python's TypeError for arguments that do not fit the signature,
// salt-call's keyword check, a function the host does not have.
var bindingError = regexp.MustCompile(`\(\) (missing \d+ required|takes \d+ positional|got multiple values|got an unexpected keyword)|^The following keyword arguments are not valid|^'[^']+' is not available\.$`)

// TestRefusedAsRecorded checks the controller's refusals against real
// salt-ssh 3007.1: every case of e2e/testdata/oracle/functions.yaml whose
// recording failed on binding is refused here, before any host, with the
// recording's words and return code; no other case is refused.
func TestRefusedAsRecorded(t *testing.T) {
	dir := "../../../e2e/testdata/oracle"
	if d := os.Getenv("BRINE_ORACLE_DIR"); d != "" {
		dir = d // the oracle's worktree, recordings not merged yet
	}
	b, err := os.ReadFile(filepath.Join(dir, "functions.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		ID   string   `yaml:"id"`
		Argv []string `yaml:"argv"`
	}
	if err := yaml.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	cat := funcs.New()
	checked := 0
	for _, c := range cases {
		rb, err := os.ReadFile(filepath.Join(dir, "functions", c.ID+".json"))
		if err != nil {
			continue // not recorded yet
		}
		var rec struct {
			Return any `json:"return"`
		}
		if err := json.Unmarshal(rb, &rec); err != nil {
			t.Fatal(err)
		}
		m, _ := rec.Return.(map[string]any)
		stderr, _ := m["stderr"].(string)
		_, err = Prepare(cat, c.Argv[0], c.Argv[1:])
		var r *Refused
		refused := errors.As(err, &r)
		first, _, _ := cutLine(stderr)
		switch {
		case bindingError.MatchString(first) && !refused:
			t.Errorf("%s: salt-ssh refused it (%q), brine does not", c.ID, stderr)
		case refused && r.Msg != stderr:
			t.Errorf("%s: brine refuses it with %q, salt-ssh with %q", c.ID, r.Msg, stderr)
		case refused && float64(r.Retcode) != m["retcode"]:
			t.Errorf("%s: brine's return code %d, salt-ssh's %v", c.ID, r.Retcode, m["retcode"])
		}
		if refused {
			checked++
		}
	}
	if checked < 8 {
		t.Errorf("only %d refusals checked against recordings", checked)
	}
}

func cutLine(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}
