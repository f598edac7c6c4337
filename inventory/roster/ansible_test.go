package roster

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// The expected values follow Ansible's inventory documentation
// ("How to build your inventory": host ranges, :vars, :children, variable
// precedence "all" < parent group < child group < host) and Salt's ansible
// roster (groups are nodegroups).
const iniInventory = `
# ungrouped hosts come before any section
mail.example.com

[webservers]
web[01:03].example.com ansible_user=deploy
web-[a:b] ansible_host=10.0.0.9 ansible_port=2200
bastion.example.com:2222   # a port in the pattern

[dbservers]
db1 ansible_host=10.0.1.1 ansible_become=yes ansible_become_user=postgres ansible_become_password='s3#cret'
db2 ansible_ssh_private_key_file=~/.ssh/db ansible_ssh_common_args='-o ProxyJump=bastion -o ServerAliveInterval=5'

[prod:children]
webservers
dbservers

[prod:vars]
ansible_user=produser
ansible_timeout=7 # seconds

[webservers:vars]
ansible_become=true

[all:vars]
ansible_user=nobody
ansible_port=22
`

func TestAnsibleINI(t *testing.T) {
	r, err := ansible{}.Parse("hosts.ini", []byte(iniInventory), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := "mail.example.com,web01.example.com,web02.example.com,web03.example.com,web-a,web-b,bastion.example.com,db1,db2"
	if got := strings.Join(r.IDs(), ","); got != want {
		t.Fatalf("ids:\n got %s\nwant %s", got, want)
	}
	get := func(id string) *Host {
		h, ok := r.Get(id)
		if !ok {
			t.Fatalf("no host %s", id)
		}
		return h
	}
	// Host vars win over the child group's, which win over the parent's
	// and "all"'s.
	if h := get("web02.example.com"); h.User != "deploy" || !h.Sudo || h.Port != 22 || h.Host != "web02.example.com" || h.Timeout != 7*time.Second {
		t.Errorf("web02: %+v", h)
	}
	if h := get("web-b"); h.Host != "10.0.0.9" || h.Port != 2200 || h.User != "produser" {
		t.Errorf("web-b: %+v", h)
	}
	if h := get("bastion.example.com"); h.Port != 2222 {
		t.Errorf("bastion: port from the pattern: %+v", h)
	}
	if h := get("db1"); h.Host != "10.0.1.1" || !h.Sudo || h.SudoUser != "postgres" || h.Passwd != "s3#cret" || h.User != "produser" {
		t.Errorf("db1 (become password as passwd, quoted # kept): %+v", h)
	}
	if h := get("db2"); h.Priv != "~/.ssh/db" || !reflect.DeepEqual(h.SSHOptions, []string{"ProxyJump=bastion", "ServerAliveInterval=5"}) || h.Sudo {
		t.Errorf("db2: %+v", h)
	}
	if h := get("mail.example.com"); h.User != "nobody" || h.Sudo {
		t.Errorf("mail (ungrouped, all:vars only): %+v", h)
	}
	groups := map[string]string{
		"webservers": "web01.example.com,web02.example.com,web03.example.com,web-a,web-b,bastion.example.com",
		"dbservers":  "db1,db2",
		"prod":       "web01.example.com,web02.example.com,web03.example.com,web-a,web-b,bastion.example.com,db1,db2",
		"ungrouped":  "mail.example.com",
		"all":        want,
	}
	for g, ids := range groups {
		if got := strings.Join(r.Groups[g], ","); got != ids {
			t.Errorf("group %s:\n got %s\nwant %s", g, got, ids)
		}
	}
}

func TestAnsibleYAMLAndScriptJSON(t *testing.T) {
	yamlInv := `
all:
  vars:
    ansible_user: admin
  hosts:
    lone:
  children:
    web:
      vars:
        ansible_become: true
      hosts:
        www[1:5:2].example.com:
        special:
          ansible_host: 192.0.2.7
          ansible_port: 2022
          ansible_user: root
    lb:
      hosts:
        special:
      children:
        edge:
          hosts:
            edge1: {ansible_connection: local}
`
	r, err := ansible{}.Parse("inventory.yml", []byte(yamlInv), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(r.IDs(), ","); got != "lone,www1.example.com,www3.example.com,www5.example.com,special,edge1" {
		t.Errorf("ids: %s", got)
	}
	s, _ := r.Get("special")
	if s.Host != "192.0.2.7" || s.Port != 2022 || s.User != "root" || !s.Sudo {
		t.Errorf("special: %+v", s)
	}
	if l, _ := r.Get("lone"); l.User != "admin" || l.Sudo {
		t.Errorf("lone: %+v", l)
	}
	if got := strings.Join(r.Groups["lb"], ","); got != "special,edge1" {
		t.Errorf("lb with its child edge: %s", got)
	}
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], `host "edge1": ansible_connection=local`) {
		t.Errorf("warnings: %v", r.Warnings)
	}

	// What a dynamic inventory script prints for --list.
	script := `{
	  "web": ["w1", "w2"],
	  "db": {"hosts": ["d1"], "vars": {"ansible_user": "dba"}},
	  "prod": {"children": ["web", "db"]},
	  "_meta": {"hostvars": {"w1": {"ansible_host": "10.1.1.1", "ansible_become": "yes"}, "ghost": {}}}
	}`
	r, err = ansible{}.Parse("inv.py", []byte(script), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(r.IDs(), ","); got != "w1,w2,d1" {
		t.Errorf("ids: %s", got)
	}
	if w1, _ := r.Get("w1"); w1.Host != "10.1.1.1" || !w1.Sudo {
		t.Errorf("w1 from _meta.hostvars: %+v", w1)
	}
	if d1, _ := r.Get("d1"); d1.User != "dba" {
		t.Errorf("d1: %+v", d1)
	}
	if got := strings.Join(r.Groups["prod"], ","); got != "w1,w2,d1" {
		t.Errorf("prod: %s", got)
	}
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], `"ghost"`) {
		t.Errorf("warnings: %v", r.Warnings)
	}
}

func TestAnsibleErrors(t *testing.T) {
	cases := map[string]struct{ file, data, want string }{
		"vars of an undefined group": {"h", "[web:vars]\na=1\n", `h:1: section [web:vars] is not valid for undefined group "web"`},
		"undefined child":            {"h", "[prod:children]\nweb\n", `h:2: section [prod:children] includes undefined group "web"`},
		"unknown section type":       {"h", "[web:hostz]\n", `h:1: section [web:hostz] has an unknown type`},
		"space in section":           {"h", "[web servers]\n", `h:1: invalid section`},
		"not key=value":              {"h", "[web]\nw1 ansible_user\n", `h:2: expected key=value`},
		"bad range":                  {"h", "w[1:]\n", "the range needs an end"},
		"padded range widths":        {"h", "w[01:100]\n", "equal length"},
		"unclosed quote":             {"h", "w1 a='x\n", "No closing quotation"},
		"loop":                       {"h", "[a:children]\nb\n[b:children]\na\n", "makes a loop"},
		"bad become":                 {"h", "w1 ansible_become=maybe\n", `h:1: host "w1": ansible_become=maybe: not a boolean`},
		"bad port":                   {"h", "w1 ansible_port=http\n", `h:1: host "w1": port must be a number`},
		"yaml group shape":           {"i.yml", "all: [1, [2]]\n", `a host list holds host names`},
		"yaml not a map":             {"i.yml", "- a\n", "a map of group names"},
		"control characters":         {"h", "w1\n[all:vars]\nansible_host=\"x\ty\"\n", `h:1: host "w1": host: host "x\ty" holds a control character`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ansible{}.Parse(c.file, []byte(c.data), nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("want error containing %q, got %v", c.want, err)
			}
		})
	}
}

func TestExpandHostPattern(t *testing.T) {
	cases := map[string]struct {
		names, port string
	}{
		"web[01:03]":           {"web01,web02,web03", ""},
		"db-[a:c].example.com": {"db-a.example.com,db-b.example.com,db-c.example.com", ""},
		"h[1:3][a:b]":          {"h1a,h1b,h2a,h2b,h3a,h3b", ""},
		"h[0:10:5]":            {"h0,h5,h10", ""},
		"h[:2]":                {"h0,h1,h2", ""},
		"host:2222":            {"host", "2222"},
		"web[1:2]:2200":        {"web1,web2", "2200"},
		"[2001:db8::1]:2200":   {"2001:db8::1", "2200"},
		"2001:db8::1":          {"2001:db8::1", ""},
		"10.0.0.1":             {"10.0.0.1", ""},
	}
	for p, c := range cases {
		names, port, err := expandHostPattern(p)
		if err != nil || strings.Join(names, ",") != c.names || port != c.port {
			t.Errorf("%s: %v %q %v; want %s %q", p, names, port, err, c.names, c.port)
		}
	}
}

func TestSourceDetection(t *testing.T) {
	for _, c := range []struct {
		file, data string
		yaml       bool
	}{
		{"hosts", "[web]\nw1\n", false},
		{"hosts", "w1\nw2\n", false},
		{"hosts", "w1:2222\n", false},
		{"hosts", "all:\n  hosts:\n    w1:\n", true},
		{"x.ini", "all:\n  hosts:\n", false},
		{"x.json", "{}", true},
	} {
		if got := isYAMLInventory(c.file, []byte(c.data)); got != c.yaml {
			t.Errorf("%s %q: yaml = %v", c.file, c.data, got)
		}
	}
}
