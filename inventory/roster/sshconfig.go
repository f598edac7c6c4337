package roster

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// sshConfig takes the hosts from an OpenSSH client config's Host entries,
// as salt-ssh's sshconfig roster (salt/roster/sshconfig.py) does: every
// Host pattern without wildcards or negation is a host whose id and address
// are that alias, so ssh_config's HostName, Port, User, IdentityFile and
// ProxyJump for it apply when brine connects. Include is followed (relative
// paths from ~/.ssh, as ssh(1) does for a user's config). The file is never
// run.
type sshConfig struct{}

func (sshConfig) ScriptArgs() ([]string, bool) { return nil, false }

// maxIncludeDepth is OpenSSH's limit on nested Include (READCONF_MAX_DEPTH).
const maxIncludeDepth = 16

func (sshConfig) Parse(file string, data []byte, defaults map[string]any) (*Roster, error) {
	b, err := newBuilder(file, defaults)
	if err != nil {
		return nil, err
	}
	type alias struct {
		where string
		line  int
	}
	var order []string
	seen := map[string]alias{}
	var scan func(name string, data []byte, depth int) error
	scan = func(name string, data []byte, depth int) error {
		for i, raw := range strings.Split(string(data), "\n") {
			key, args := sshConfigLine(raw)
			switch key {
			case "host":
				for _, p := range args {
					if strings.ContainsAny(p, "*?!") {
						continue
					}
					if _, dup := seen[p]; !dup {
						seen[p] = alias{name, i + 1}
						order = append(order, p)
					}
				}
			case "include":
				if depth >= maxIncludeDepth {
					return fmt.Errorf("ssh config %s:%d: Include nested more than %d deep", name, i+1, maxIncludeDepth)
				}
				for _, pat := range args {
					files, err := includeFiles(pat)
					if err != nil {
						return fmt.Errorf("ssh config %s:%d: Include %s: %w", name, i+1, pat, err)
					}
					for _, f := range files {
						d, err := os.ReadFile(f)
						if err != nil {
							return fmt.Errorf("ssh config %s:%d: Include %s: %w", name, i+1, pat, err)
						}
						if err := scan(f, d, depth+1); err != nil {
							return err
						}
					}
				}
			}
		}
		return nil
	}
	if err := scan(file, data, 0); err != nil {
		return nil, err
	}
	for _, id := range order {
		a := seen[id]
		if err := b.addMap(a.where, id, a.line, map[string]any{"host": id}); err != nil {
			return nil, err
		}
	}
	return b.r, nil
}

// sshConfigLine splits one ssh_config line into its lower-cased keyword and
// arguments ("Host a b", "Host=a", quoted arguments); comments and blank
// lines give "".
func sshConfigLine(line string) (string, []string) {
	line = strings.TrimSpace(line)
	if line == "" || line[0] == '#' {
		return "", nil
	}
	i := strings.IndexAny(line, " \t=")
	if i < 0 {
		return strings.ToLower(line), nil
	}
	key := strings.ToLower(line[:i])
	rest := strings.TrimLeft(line[i:], " \t")
	rest = strings.TrimLeft(strings.TrimPrefix(rest, "="), " \t")
	var args []string
	for rest != "" {
		if rest[0] == '"' {
			j := strings.IndexByte(rest[1:], '"')
			if j < 0 {
				args = append(args, rest[1:])
				break
			}
			args = append(args, rest[1:1+j])
			rest = strings.TrimLeft(rest[2+j:], " \t")
			continue
		}
		j := strings.IndexAny(rest, " \t")
		if j < 0 {
			args = append(args, rest)
			break
		}
		args = append(args, rest[:j])
		rest = strings.TrimLeft(rest[j:], " \t")
	}
	return key, args
}

// includeFiles expands an Include argument: ~ is the home directory and a
// relative path is taken from ~/.ssh.
func includeFiles(pat string) ([]string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return nil, err
	}
	switch {
	case strings.HasPrefix(pat, "~/"):
		pat = filepath.Join(home, pat[2:])
	case !filepath.IsAbs(pat):
		pat = filepath.Join(home, ".ssh", pat)
	}
	return filepath.Glob(pat)
}
