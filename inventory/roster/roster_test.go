package roster

import (
	"strings"
	"testing"
	"time"
)

func TestParseFlatRoster(t *testing.T) {
	data := `
web1:
  host: 10.0.0.1
  port: 2222
  user: deploy
  priv: ~/.ssh/id_web
  priv_passwd: pp
  sudo: True
  sudo_user: app
  timeout: 2.5
  ssh_options:
    - ProxyJump=bastion
  grains:
    role: web
  thin_dir: /opt/brine
web2: 10.0.0.2
db1:
  host: db.example
  passwd: pw
  tty: True
  colour: blue
`
	r, err := Parse("roster.yaml", []byte(data), map[string]any{"user": "admin", "grains": map[string]any{"dc": "ams"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(r.IDs(), ","); got != "web1,web2,db1" {
		t.Fatalf("ids in file order: %s", got)
	}
	w1, _ := r.Get("web1")
	if w1.Host != "10.0.0.1" || w1.Port != 2222 || w1.User != "deploy" || w1.Priv != "~/.ssh/id_web" || w1.PrivPasswd != "pp" ||
		!w1.Sudo || w1.SudoUser != "app" || w1.Timeout != 2500*time.Millisecond || w1.ThinDir != "/opt/brine" {
		t.Errorf("web1: %+v", w1)
	}
	if len(w1.SSHOptions) != 1 || w1.SSHOptions[0] != "ProxyJump=bastion" {
		t.Errorf("ssh_options: %v", w1.SSHOptions)
	}
	if w1.Grains["role"] != "web" || w1.Grains["dc"] != "ams" {
		t.Errorf("grains merge defaults beneath the host's: %v", w1.Grains)
	}
	w2, _ := r.Get("web2")
	if w2.Host != "10.0.0.2" || w2.User != "admin" {
		t.Errorf("bare string entry with defaults: %+v", w2)
	}
	if _, ok := w2.Grains["role"]; ok {
		t.Error("web1's grains leaked into web2")
	}
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], `"db1"`) || !strings.Contains(r.Warnings[0], `"colour"`) ||
		!strings.Contains(r.Warnings[0], "roster.yaml:21") {
		t.Errorf("want one warning naming host, key and line for colour (tty is a known salt-ssh key): %v", r.Warnings)
	}
}

func TestParseErrorsNameFileLineAndHost(t *testing.T) {
	cases := map[string]struct{ data, want string }{
		"bad port":     {"a:\n  host: x\n  port: http\n", `roster.yaml:3: host "a": port must be a number`},
		"big port":     {"a:\n  port: 70000\n", `port must be a number from 1 to 65535`},
		"bad sudo":     {"a:\n  sudo: maybe\n", `host "a": sudo must be True or False`},
		"bad timeout":  {"a:\n  timeout: soon\n", `timeout must be a number of seconds`},
		"empty":        {"a:\n", `host "a" has no settings`},
		"list":         {"- a\n- b\n", `must be a map of host ids`},
		"dup":          {"a: x\na: y\n", `host "a" is defined twice`},
		"grains shape": {"a:\n  grains: [1]\n", `grains must be a map`},
		"yaml":         {"a: [\n", "roster.yaml"},
		"space host":   {"a: 'bad host'\n", `is not a host name`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("roster.yaml", []byte(c.data), nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("want error containing %q, got %v", c.want, err)
			}
		})
	}
}

func TestHostDefaultsToID(t *testing.T) {
	r, err := Parse("r", []byte("web.example:\n  user: x\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Hosts[0].Host != "web.example" {
		t.Errorf("host should default to the id like salt-ssh: %q", r.Hosts[0].Host)
	}
}

func TestEmptyRoster(t *testing.T) {
	r, err := Parse("r", []byte("  \n"), nil)
	if err != nil || len(r.Hosts) != 0 {
		t.Errorf("empty roster: %v %v", r, err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("/nonexistent/roster.yaml", nil)
	if err == nil || !strings.Contains(err.Error(), "--roster-file") {
		t.Errorf("missing roster should say how to fix it: %v", err)
	}
}

func TestMergeKeysAndAliases(t *testing.T) {
	data := `
web1: &base
  host: 10.0.0.1
  user: deploy
  sudo: True
  port: 2222
web2:
  <<: *base
  host: 10.0.0.2
web3:
  <<: [*base, {user: other, timeout: 3}]
  port: 22
web4: *base
`
	r, err := Parse("roster.yaml", []byte(data), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Warnings) != 0 {
		t.Errorf("a merge key is no unknown key: %v", r.Warnings)
	}
	w2, _ := r.Get("web2")
	if w2.Host != "10.0.0.2" || w2.User != "deploy" || !w2.Sudo || w2.Port != 2222 {
		t.Errorf("web2: own host, the rest merged: %+v", w2)
	}
	w3, _ := r.Get("web3")
	// The first merged map wins over later ones; the entry's own keys win
	// over all of them.
	if w3.Host != "10.0.0.1" || w3.User != "deploy" || w3.Port != 22 || w3.Timeout != 3*time.Second {
		t.Errorf("web3: %+v", w3)
	}
	w4, _ := r.Get("web4")
	if w4.Host != "10.0.0.1" || w4.User != "deploy" {
		t.Errorf("web4 (an alias): %+v", w4)
	}
	if _, err := Parse("r", []byte("a:\n  <<: [1]\n"), nil); err == nil || !strings.Contains(err.Error(), "<< must merge a map") {
		t.Errorf("merging a scalar: %v", err)
	}
	if _, err := Parse("r", []byte("a:\n  port: 1\n  port: 2\n"), nil); err == nil || !strings.Contains(err.Error(), "r:3: host \"a\": port is given twice") {
		t.Errorf("a key given twice: %v", err)
	}
}

// Values that reach a remote command line are refused when they can never
// be safe: the message names the file, the line and the host.
func TestUnsafeValuesRefused(t *testing.T) {
	cases := map[string]struct{ data, want string }{
		"thin_dir newline":  {"a:\n  host: x\n  thin_dir: \"/var/tmp/x\\ntouch /tmp/pwned\"\n", `roster.yaml:3: host "a": thin_dir: thin_dir "/var/tmp/x\ntouch /tmp/pwned" holds a control character`},
		"thin_dir NUL":      {"a:\n  thin_dir: \"/var/tmp/x\\0\"\n", `roster.yaml:2: host "a": thin_dir`},
		"thin_dir relative": {"a:\n  thin_dir: var/tmp/x\n", `thin_dir "var/tmp/x" must be an absolute path`},
		"thin_dir root":     {"a:\n  thin_dir: /var/..\n", `is the root directory`},
		"user newline":      {"a:\n  user: \"root\\nx\"\n", `roster.yaml:2: host "a": user: user "root\nx" holds a control character`},
		"sudo_user tab":     {"a:\n  sudo_user: \"ro\\tot\"\n", `sudo_user "ro\tot" holds a control character`},
		"host escape":       {"a:\n  host: \"x\\e[2J\"\n", `host "a": host: host "x\x1b[2J" holds a control character`},
		"id newline":        {"\"a\\nb\": x\n", `host "a\nb" is not a usable host id`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("roster.yaml", []byte(c.data), nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("want error containing %q, got %v", c.want, err)
			}
		})
	}
	// Quotes, spaces and semicolons are fine: every remote command quotes them.
	r, err := Parse("roster.yaml", []byte("a:\n  thin_dir: '/var/tmp/z\"; fi; touch /tmp/pwned'\n"), nil)
	if err != nil || r.Hosts[0].ThinDir != `/var/tmp/z"; fi; touch /tmp/pwned` {
		t.Errorf("a quoted thin_dir is data, not refused: %v", err)
	}
	if _, err := Parse("roster.yaml", []byte("a: x\n"), map[string]any{"thin_dir": "rel"}); err == nil || !strings.Contains(err.Error(), "roster_defaults: thin_dir") {
		t.Errorf("roster_defaults are checked too: %v", err)
	}
}
