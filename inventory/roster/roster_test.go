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
