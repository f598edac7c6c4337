package modules

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"brine/provision/host/state"
	"brine/provision/wire/funcs"
)

// TestSSHRecorded replays testdata/ssh.json, what Salt 3007.1's own ssh
// module returned (or raised) for a sequence of calls on carol's
// authorized_keys and the file after each (testdata/record-ssh.py).
func TestSSHRecorded(t *testing.T) {
	env, root := fileEnv(t)
	b, err := os.ReadFile("testdata/ssh.json")
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Home  string `json:"home"`
		Calls []struct {
			Fun     string          `json:"fun"`
			Args    []any           `json:"args"`
			Kwargs  map[string]any  `json:"kwargs"`
			Return  json.RawMessage `json:"return"`
			Raised  string          `json:"raised"`
			Message string          `json:"message"`
			File    *string         `json:"file"`
			Ran     []string        `json:"ran"`
			Known   *string         `json:"known_hosts"`
		} `json:"calls"`
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	callErr(t, env, "ssh.auth_keys", []any{"carol"}, nil, "'ssh' __virtual__ returned False: The module requires the ssh binary.")
	exeT(t, root, "/usr/bin/ssh")
	passwd := readT(t, root, "/etc/passwd")
	// carol (the recording's user); root has no home in this root
	writeT(t, root, "/etc/passwd", passwd+fmt.Sprintf("carol:x:%d:%d::%s:/bin/sh\nroot:x:0:0::/nonexistent-root:/bin/sh\n", os.Getuid(), os.Getgid(), rec.Home))
	if err := os.MkdirAll(filepath.Join(root, rec.Home), 0o755); err != nil {
		t.Fatal(err)
	}
	ak := filepath.Join(root, rec.Home, ".ssh/authorized_keys")
	// ssh-keygen -F and ssh-keyscan as the recording's cmd.run answered
	exeT(t, root, "/usr/bin/ssh-keygen", "/usr/bin/ssh-keyscan")
	const k1 = "AAAAC3NzaC1lZDI1NTE5AAAAIBUyMjJ7yunqdP1vCI/EDAl76oaija2wSAacq6U2yNnA"
	const k2 = "AAAAC3NzaC1lZDI1NTE5AAAAILCvfoQQTe4iaOl509yqcVITbWtD68hrCi6pJhVC2rjE"
	var ran []string
	fakeOf(env).Handler = func(c state.Cmd, _ string) (state.CmdResult, bool) {
		line := argvLine(c)
		ran = append(ran, line)
		argv := strings.Fields(line)
		switch {
		case len(argv) > 2 && argv[0] == "ssh-keygen" && argv[1] == "-F" && (argv[2] == "example.org" || argv[2] == "[example.org]:2222"):
			return state.CmdResult{Stdout: "# Host example.org found: line 1 \nexample.org ssh-ed25519 " + k1}, true
		case argv[0] == "ssh-keyscan" && argv[len(argv)-1] == "example.org":
			return state.CmdResult{Stdout: "# example.org:22 SSH-2.0-OpenSSH_9.2p1\n|1|abc=|def= ssh-ed25519 " + k2 + "\n|1|x|y ssh-rsa not-base64!\n"}, true
		}
		return state.CmdResult{}, true
	}
	for i, s := range rec.Calls {
		ran = nil
		got, err := Call(t.Context(), env, s.Fun, numbers(s.Args).([]any), numbers(s.Kwargs).(map[string]any))
		if s.Raised != "" {
			var ex *funcs.Exception
			if !errors.As(err, &ex) || ex.Msg != s.Message {
				t.Errorf("step %d %s%v %v: %v, Salt raised %s: %s", i, s.Fun, s.Args, s.Kwargs, err, s.Raised, s.Message)
			}
		} else if err != nil {
			t.Errorf("step %d %s%v %v: %v", i, s.Fun, s.Args, s.Kwargs, err)
		} else {
			var want any
			json.Unmarshal(s.Return, &want)
			if gj, _ := json.Marshal(got); !reflect.DeepEqual(numbers(want), numbers(jsonRound(gj))) {
				t.Errorf("step %d %s%v %v: %s, Salt's %s", i, s.Fun, s.Args, s.Kwargs, gj, s.Return)
			}
		}
		if s.Ran != nil && !reflect.DeepEqual(ran, s.Ran) && !(len(ran) == 0 && len(s.Ran) == 0) {
			t.Errorf("step %d %s%v: ran %q, Salt ran %q", i, s.Fun, s.Args, ran, s.Ran)
		}
		if s.Known != nil {
			if kh, _ := os.ReadFile(filepath.Join(filepath.Dir(ak), "known_hosts")); string(kh) != *s.Known {
				t.Errorf("step %d %s%v %v: known_hosts\n%q\nSalt's\n%q", i, s.Fun, s.Args, s.Kwargs, kh, *s.Known)
			}
		}
		content, rerr := os.ReadFile(ak)
		switch {
		case s.File == nil && rerr == nil:
			t.Errorf("step %d %s: authorized_keys exists, Salt's does not", i, s.Fun)
		case s.File != nil && string(content) != *s.File:
			t.Errorf("step %d %s%v: authorized_keys\n%q\nSalt's\n%q", i, s.Fun, s.Args, content, *s.File)
		}
	}
	if fi, err := os.Stat(ak); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("authorized_keys mode: %v %v", fi.Mode(), err)
	}
	if fi, err := os.Stat(filepath.Dir(ak)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf(".ssh mode: %v %v", fi.Mode(), err)
	}
}
