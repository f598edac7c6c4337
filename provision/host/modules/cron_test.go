package modules

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"brine/provision/host/state"
)

// fakeCrontab answers crontab -l and installs crontab - for one user.
func fakeCrontab(env *Env, tab *string, has *bool) {
	fakeOf(env).Handler = func(c state.Cmd, _ string) (state.CmdResult, bool) {
		argv := strings.Fields(argvLine(c))
		if len(argv) == 0 || argv[0] != "crontab" {
			return state.CmdResult{}, false
		}
		switch argv[len(argv)-1] {
		case "-l":
			if !*has {
				return state.CmdResult{Retcode: 1, Stderr: "no crontab for root\n"}, true
			}
			return state.CmdResult{Stdout: *tab}, true
		case "-":
			*tab, *has = string(c.Stdin), true
			return state.CmdResult{}, true
		}
		return state.CmdResult{}, false
	}
}

// TestCronRecorded replays testdata/cron.json, what Salt 3007.1's own
// cron module returned for a sequence of calls and the crontab it left
// after each (testdata/record-cron.py), against a fake crontab.
func TestCronRecorded(t *testing.T) {
	env, root := fileEnv(t)
	// without crontab the module is not loaded, as Salt's __virtual__
	callErr(t, env, "cron.list_tab", []any{"root"}, nil, "'cron' __virtual__ returned False: Cannot load cron module: crontab command not found")
	exeT(t, root, "/usr/bin/crontab")
	tab, has := "", false
	fakeCrontab(env, &tab, &has)
	b, err := os.ReadFile("testdata/cron.json")
	if err != nil {
		t.Fatal(err)
	}
	var steps []struct {
		SetTab *string         `json:"set_tab"`
		Fun    string          `json:"fun"`
		Args   []any           `json:"args"`
		Kwargs map[string]any  `json:"kwargs"`
		Return json.RawMessage `json:"return"`
		Tab    *string         `json:"tab"`
	}
	if err := json.Unmarshal(b, &steps); err != nil {
		t.Fatal(err)
	}
	for i, s := range steps {
		if s.SetTab != nil {
			tab, has = *s.SetTab, true
			continue
		}
		got := callT(t, env, s.Fun, numbers(s.Args).([]any), numbers(s.Kwargs).(map[string]any))
		var want any
		json.Unmarshal(s.Return, &want)
		if gj, _ := json.Marshal(got); !reflect.DeepEqual(numbers(want), numbers(jsonRound(gj))) {
			t.Errorf("step %d %s%v %v: %s, Salt's %s", i, s.Fun, s.Args, s.Kwargs, gj, s.Return)
		}
		if s.Tab != nil && tab != *s.Tab {
			t.Errorf("step %d %s%v: crontab\n%q\nSalt's\n%q", i, s.Fun, s.Args, tab, *s.Tab)
		}
	}
	callErr(t, env, "cron.ls", nil, nil, "list_tab() missing 1 required positional argument: 'user'")
}

func jsonRound(b []byte) any {
	var v any
	json.Unmarshal(b, &v)
	return v
}

// numbers makes JSON's float64 whole numbers ints, as Python's are.
func numbers(v any) any {
	switch x := v.(type) {
	case float64:
		if x == float64(int(x)) {
			return int(x)
		}
	case []any:
		for i := range x {
			x[i] = numbers(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = numbers(x[k])
		}
	}
	return v
}
