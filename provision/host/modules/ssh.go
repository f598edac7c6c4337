package modules

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"brine/provision/host/state"
	"brine/provision/wire/funcs"
)

// sshFuncs are salt/modules/ssh.py's: authorized_keys read and edited as
// Salt parses them (rewritten through a temp file and a rename), known
// hosts through ssh-keygen and ssh-keyscan as Salt runs them.
func sshFuncs() map[string]fn {
	m := map[string]fn{}
	for k, f := range sshFuncTable() {
		run := f.run
		m[k] = fn{run: func(c *call) (any, error) {
			if c.whichPath("ssh") == "" {
				return nil, virtualFalse("ssh", "The module requires the ssh binary.")
			}
			return run(c)
		}}
	}
	return m
}

func sshFuncTable() map[string]fn {
	return map[string]fn{
		"ssh.auth_keys": {run: func(c *call) (any, error) {
			return c.sshAuthKeys(c.a["user"], c.str("config"), c.str("fingerprint_hash_type"))
		}},
		"ssh.set_auth_key": {run: sshSetAuthKey},
		"ssh.rm_auth_key":  {run: sshRmAuthKey},
		"ssh.check_key": {run: func(c *call) (any, error) {
			return c.sshCheckKey(c.str("user"), c.str("key"), c.str("enc"), c.str("comment"), c.a["options"], c.str("config"), c.str("fingerprint_hash_type"))
		}},
		"ssh.host_keys": {run: sshHostKeys},
		"ssh.user_keys": {run: sshUserKeys},
		"ssh.get_known_host_entries": {run: func(c *call) (any, error) {
			return c.sshKnownEntries(c.a["user"], c.str("hostname"), c.a["config"], c.a["port"], c.str("fingerprint_hash_type"))
		}},
		"ssh.recv_known_host_entries": {run: func(c *call) (any, error) {
			return c.sshRecvEntries(c.str("hostname"), c.a["enc"], c.a["port"], c.a["hash_known_hosts"], c.a["timeout"], c.str("fingerprint_hash_type"))
		}},
		"ssh.check_known_host": {run: sshCheckKnownHost},
		"ssh.rm_known_host":    {run: sshRmKnownHost},
		"ssh.set_known_host":   {run: sshSetKnownHost},
		"ssh.hash_known_hosts": {run: func(c *call) (any, error) { return c.sshHashKnownHosts(c.a["user"], c.a["config"]) }},
	}
}

// sshRefineEnc is ssh._refine_enc.
func sshRefineEnc(enc string) (string, error) {
	switch enc {
	case "r", "rsa", "ssh-rsa":
		return "ssh-rsa", nil
	case "d", "dsa", "dss", "ssh-dss":
		return "ssh-dss", nil
	case "e", "ecdsa":
		return "ecdsa-sha2-nistp256", nil
	case "ecdsa-sha2-nistp521", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp256":
		return enc, nil
	case "ed25519", "ssh-ed25519":
		return "ssh-ed25519", nil
	case "rsa-sha2-512", "rsa-sha2-256", "rsa-sha2-512-cert-v01@openssh.com", "rsa-sha2-256-cert-v01@openssh.com",
		"ssh-rsa-cert-v01@openssh.com", "ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp384-cert-v01@openssh.com",
		"ecdsa-sha2-nistp521-cert-v01@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com", "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
		"ssh-ed25519-cert-v01@openssh.com", "sk-ssh-ed25519@openssh.com", "sk-ssh-ed25519-cert-v01@openssh.com":
		return enc, nil
	}
	return "", funcs.Raise("CommandExecutionError", "Incorrect encryption key type '%s'.", enc)
}

// sshAuthLine is ssh._format_auth_line.
func sshAuthLine(key, enc, comment string, options []string) string {
	line := ""
	if len(options) > 0 {
		line = strings.Join(options, ",") + " "
	}
	return line + enc + " " + key + " " + comment + "\n"
}

// stringList reads a list argument (options=[a, b]); a lone string is one
// item, as Python's join over it would not be.
func stringList(v any) []string {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			out[i] = pyStr(e)
		}
		return out
	case []string:
		return x
	case string:
		if x == "" {
			return nil
		}
		return strings.Split(x, "")
	}
	return []string{pyStr(v)}
}

// sshConfigFile is ssh._get_config_file: the AuthorizedKeysFile tokens
// (%u, %h, %%) expanded, relative to the user's home.
func (c *call) sshConfigFile(user, config string) (string, error) {
	info := c.userInfoMap(user)
	if len(info) == 0 {
		return "", funcs.Raise("CommandExecutionError", "User '%s' does not exist", user)
	}
	home := pyStr(info["home"])
	var b strings.Builder
	esc := false
	for _, r := range config {
		switch {
		case esc:
			esc = false
			switch r {
			case '%':
				b.WriteByte('%')
			case 'u':
				b.WriteString(user)
			case 'h':
				b.WriteString(home)
			default:
				return "", funcs.Raise("CommandExecutionError", "AuthorizedKeysFile path: unknown token character \"%%%c\"", r)
			}
		case r == '%':
			esc = true
		default:
			b.WriteRune(r)
		}
	}
	if esc {
		return "", funcs.Raise("CommandExecutionError", "AuthorizedKeysFile path: Last character can't be escape character")
	}
	p := b.String()
	if !strings.HasPrefix(p, "/") {
		p = pyJoin(home, p)
	}
	return p, nil
}

var b64Re = regexp.MustCompile(`^[A-Za-z0-9+/]*={0,2}$`)

// sshFingerprint is ssh._fingerprint: the key's hash as xx:xx:..., ""
// when the key is not base64 (Python's b64decode(validate=True)).
func sshFingerprint(key, hashType string) (string, error) {
	if hashType == "" {
		hashType = "sha256"
	}
	var h hash.Hash
	switch strings.ToLower(hashType) {
	case "md5":
		h = md5.New()
	case "sha1":
		h = sha1.New()
	case "sha224":
		h = sha256.New224()
	case "sha256":
		h = sha256.New()
	case "sha384":
		h = sha512.New384()
	case "sha512":
		h = sha512.New()
	default:
		return "", funcs.Raise("CommandExecutionError", "The fingerprint_hash_type %s is not supported.", strings.ToLower(hashType))
	}
	if !b64Re.MatchString(key) {
		return "", nil
	}
	// binascii.a2b_base64 without strict mode: padding after a complete
	// quantum is ignored, a short last quantum needs its padding
	t := strings.TrimRight(key, "=")
	pad := len(key) - len(t)
	switch len(t) % 4 {
	case 1:
		return "", nil
	case 2:
		if pad < 2 {
			return "", nil
		}
	case 3:
		if pad < 1 {
			return "", nil
		}
	}
	raw, err := base64.RawStdEncoding.DecodeString(t)
	if err != nil {
		return "", nil
	}
	h.Write(raw)
	sum := hex.EncodeToString(h.Sum(nil))
	parts := make([]string, 0, len(sum)/2)
	for i := 0; i < len(sum); i += 2 {
		parts = append(parts, sum[i:i+2])
	}
	return strings.Join(parts, ":"), nil
}

var sshLineRe = regexp.MustCompile(`^(.*?)\s?((?:sk-)?(?:ssh\-|ecds)[\w@.-]+\s.+)$`)

// sshKeyLines reads a key file's lines as Salt's loops do: stripped,
// blank ones dropped.
func (c *call) sshKeyLines(p string) ([]string, error) {
	b, err := os.ReadFile(c.host(p))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, l := range splitKeep(string(b)) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out, nil
}

// sshValidateKeys is ssh._validate_keys: key -> enc, comment, options,
// fingerprint.
func (c *call) sshValidateKeys(p, hashType string) (map[string]any, error) {
	lines, err := c.sshKeyLines(p)
	if err != nil {
		return nil, funcs.Raise("CommandExecutionError", "Problem reading ssh key file %s", p)
	}
	ret := map[string]any{}
	for _, l := range lines {
		if strings.HasPrefix(l, "#") {
			continue
		}
		m := sshLineRe.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		comps := strings.Fields(m[2])
		if len(comps) < 2 {
			continue
		}
		options := []any{}
		if m[1] != "" {
			options = anyList(strings.Split(m[1], ","))
		}
		fp, err := sshFingerprint(comps[1], hashType)
		if err != nil {
			return nil, err
		}
		if fp == "" {
			continue
		}
		ret[comps[1]] = map[string]any{"enc": comps[0], "comment": strings.Join(comps[2:], " "), "options": options, "fingerprint": fp}
	}
	return ret, nil
}

// sshAuthKeys is ssh.auth_keys: one user's keys, or user -> keys for a
// list of users (all users when none is given).
func (c *call) sshAuthKeys(userArg any, config, hashType string) (any, error) {
	var users []string
	one := false
	switch u := userArg.(type) {
	case []any:
		users = stringList(u)
	default:
		if !truthy(userArg) {
			all, err := listUsers(c)
			if err != nil {
				return nil, err
			}
			users = stringList(all)
		} else {
			users, one = []string{pyStr(userArg)}, true
		}
	}
	keys := map[string]any{}
	for _, u := range users {
		full, err := c.sshConfigFile(u, config)
		if err != nil {
			continue
		}
		if fi, err := os.Stat(c.host(full)); err == nil && fi.Mode().IsRegular() {
			k, err := c.sshValidateKeys(full, hashType)
			if err != nil {
				return nil, err
			}
			keys[u] = k
		}
	}
	if one {
		if k, ok := keys[users[0]]; ok {
			return k, nil
		}
		return map[string]any{}, nil
	}
	return keys, nil
}

// sshCheckKey is ssh.check_key: "add", "update" or "exists".
func (c *call) sshCheckKey(user, key, enc, comment string, options any, config, hashType string) (any, error) {
	enc, err := sshRefineEnc(enc)
	if err != nil {
		return nil, err
	}
	cur, err := c.sshAuthKeys(user, config, hashType)
	if err != nil {
		return nil, err
	}
	nline := sshAuthLine(key, enc, comment, stringList(options))
	k, ok := cur.(map[string]any)[key].(map[string]any)
	if !ok {
		return "add", nil
	}
	if sshAuthLine(key, pyStr(k["enc"]), pyStr(k["comment"]), stringList(k["options"])) != nline {
		return "update", nil
	}
	return "exists", nil
}

func sshSetAuthKey(c *call) (any, error) {
	user, key, comment, config, ht := c.str("user"), c.str("key"), c.str("comment"), c.str("config"), c.str("fingerprint_hash_type")
	if len(strings.Fields(key)) > 1 {
		return "invalid", nil
	}
	enc, err := sshRefineEnc(c.str("enc"))
	if err != nil {
		return nil, err
	}
	info := c.userInfoMap(user)
	if len(info) == 0 {
		return "fail", nil
	}
	fp, err := sshFingerprint(key, ht)
	if err != nil {
		return nil, err
	}
	if fp == "" {
		return "Invalid public key", nil
	}
	options := stringList(c.a["options"])
	status, err := c.sshCheckKey(user, key, enc, comment, c.a["options"], config, ht)
	if err != nil {
		return nil, err
	}
	switch status {
	case "update":
		return "replace", c.sshReplaceKey(user, key, enc, comment, options, config)
	case "exists":
		return "no change", nil
	}
	line := sshAuthLine(key, enc, comment, options)
	full, err := c.sshConfigFile(user, config)
	if err != nil {
		return nil, err
	}
	home := pyStr(info["home"])
	uid, gid := intOf(info["uid"]), intOf(info["gid"])
	if strings.HasPrefix(full, home) && !c.statIs(home, true, func(m os.FileMode) bool { return m.IsDir() }) {
		return "fail", nil
	}
	dir := path.Dir(full)
	if !c.statIs(dir, true, func(m os.FileMode) bool { return m.IsDir() }) {
		if err := os.MkdirAll(c.host(dir), 0o777); err != nil {
			return nil, pyOSError(err, dir)
		}
		if os.Geteuid() == 0 {
			os.Chown(c.host(dir), uid, gid)
		}
		os.Chmod(c.host(dir), 0o700)
	}
	old, err := os.ReadFile(c.host(full))
	if err == nil {
		data := old
		if len(data) > 0 && data[len(data)-1] != '\n' {
			data = append(data, '\n')
		}
		if err := c.writeKeep(full, append(data, line...)); err != nil {
			return nil, funcs.Raise("CommandExecutionError", "Could not write to key file: %s", err)
		}
		return "new", nil
	}
	ou, og := -1, -1
	if os.Geteuid() == 0 {
		ou, og = uid, gid
	}
	if err := state.WriteFile(c.env.stateEnv(), full, []byte(line), 0o600, ou, og); err != nil {
		return nil, funcs.Raise("CommandExecutionError", "Could not write to key file: %s", pyOSError(err, full))
	}
	return "new", nil
}

var sshReplaceRe = regexp.MustCompile(`((.*)\s)?((?:sk-)?(?:ssh|ecdsa)-[a-z0-9@.-]+)\s([a-zA-Z0-9+/]+={0,2})(\s(.*))?`)

// sshReplaceKey is ssh._replace_auth_key: the file rewritten with the
// key's line replaced (blank lines dropped, as Salt's).
func (c *call) sshReplaceKey(user, key, enc, comment string, options []string, config string) error {
	full, err := c.sshConfigFile(user, config)
	if err != nil {
		return err
	}
	lines, err := c.sshKeyLines(full)
	if err != nil {
		return funcs.Raise("CommandExecutionError", "Problem reading or writing to key file: %s", pyOSError(err, full))
	}
	var b strings.Builder
	for _, l := range lines {
		if !strings.HasPrefix(l, "#") {
			if m := sshReplaceRe.FindStringSubmatch(l); m != nil && m[4] == key {
				b.WriteString(sshAuthLine(key, enc, comment, options))
				continue
			}
		}
		b.WriteString(l + "\n")
	}
	if err := c.writeKeep(full, []byte(b.String())); err != nil {
		return funcs.Raise("CommandExecutionError", "Problem reading or writing to key file: %s", err)
	}
	return nil
}

func sshRmAuthKey(c *call) (any, error) {
	user, key, config := c.str("user"), c.str("key"), c.str("config")
	cur, err := c.sshAuthKeys(user, config, c.str("fingerprint_hash_type"))
	if err != nil {
		return nil, err
	}
	if _, ok := cur.(map[string]any)[key]; !ok {
		return "Key not present", nil
	}
	full, err := c.sshConfigFile(user, config)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(c.host(full)); err != nil || !fi.Mode().IsRegular() {
		return "Authorized keys file " + full + " not present", nil
	}
	lines, err := c.sshKeyLines(full)
	if err != nil {
		return "Key not removed", nil
	}
	var b strings.Builder
	for _, l := range lines {
		if strings.HasPrefix(l, "#") {
			b.WriteString(l + "\n")
			continue
		}
		m := sshLineRe.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		comps := strings.Fields(m[2])
		if len(comps) < 2 {
			b.WriteString(l + "\n")
			continue
		}
		if comps[1] == key {
			continue
		}
		b.WriteString(l + "\n")
	}
	if err := c.writeKeep(full, []byte(b.String())); err != nil {
		return "Key not removed", nil
	}
	return "Key removed", nil
}

// sshHostKeys is ssh.host_keys: /etc/ssh's ssh_host_*_key files.
func sshHostKeys(c *call) (any, error) {
	dir := c.str("keydir")
	if dir == "" {
		dir = "/etc/ssh"
	}
	ents, err := os.ReadDir(c.host(dir))
	if err != nil {
		return nil, pyOSError(err, dir)
	}
	re := regexp.MustCompile(`^ssh_host_(.+)_key((-cert)?\.pub)?`)
	keys := map[string]any{}
	for _, e := range ents {
		m := re.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		if m[2] == "" && c.a["private"] == false {
			continue
		}
		if m[3] != "" && c.a["certs"] == false {
			continue
		}
		name := m[1] + m[2]
		b, err := os.ReadFile(c.host(pyJoin(dir, e.Name())))
		if err != nil {
			keys[name] = ""
			continue
		}
		s := string(b)
		if first, _, _ := strings.Cut(s, "\n"); first+"\n" == "SSH PRIVATE KEY FILE FORMAT 1.1\n" {
			s = first + "\n"
		}
		keys[name] = strings.TrimSpace(s)
	}
	return keys, nil
}

// sshUserKeys is ssh.user_keys: the users' id_* files under ~/.ssh.
func sshUserKeys(c *call) (any, error) {
	var users []string
	switch u := c.a["user"].(type) {
	case []any:
		users = stringList(u)
	default:
		if !truthy(u) {
			all, err := listUsers(c)
			if err != nil {
				return nil, err
			}
			users = stringList(all)
		} else {
			users = []string{pyStr(u)}
		}
	}
	out := map[string]any{}
	for _, u := range users {
		info := c.userInfoMap(u)
		if _, ok := info["home"]; !ok {
			continue
		}
		var files []string
		if truthy(c.a["pubfile"]) {
			files = append(files, c.str("pubfile"))
		} else if c.a["pubfile"] != false {
			files = append(files, "id_rsa.pub", "id_dsa.pub", "id_ecdsa.pub", "id_ed25519.pub")
		}
		if truthy(c.a["prvfile"]) {
			files = append(files, c.str("prvfile"))
		} else if c.a["prvfile"] != false {
			files = append(files, "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519")
		}
		keys := map[string]any{}
		for _, k := range files {
			name, p := k, pyStr(info["home"])+"/.ssh/"+k
			if strings.HasPrefix(k, "/") {
				name, p = path.Base(k), k
			}
			if b, err := os.ReadFile(c.host(p)); err == nil {
				keys[name] = strings.TrimSpace(string(b))
			}
		}
		if len(keys) > 0 {
			out[u] = keys
		}
	}
	return out, nil
}

// sshKnownHostsFile is ssh._get_known_hosts_file: the path, or Salt's
// error dict.
func (c *call) sshKnownHostsFile(config, user any) (string, map[string]any) {
	cfg := pyStr(config)
	if !truthy(config) {
		cfg = "/etc/ssh/ssh_known_hosts"
		if truthy(user) {
			cfg = ".ssh/known_hosts"
		}
	}
	if strings.HasPrefix(cfg, "/") {
		return cfg, nil
	}
	if !truthy(user) {
		return "", map[string]any{"status": "error", "error": "Cannot determine absolute path to file."}
	}
	info := c.userInfoMap(pyStr(user))
	if len(info) == 0 {
		return "", map[string]any{"status": "error", "error": "User " + pyStr(user) + " does not exist"}
	}
	return pyJoin(pyStr(info["home"]), cfg), nil
}

// sshHostPort is ssh._hostname_and_port_to_ssh_hostname.
func sshHostPort(host string, port any) string {
	if !truthy(port) || pyEqual(port, 22) {
		return host
	}
	return "[" + host + "]:" + pyStr(port)
}

// sshParseOpenSSH is ssh._parse_openssh_output.
func sshParseOpenSSH(out, hashType string) ([]any, error) {
	var ret []any
	for _, l := range pySplitlines(out) {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.Fields(l)
		if len(f) != 3 {
			continue
		}
		fp, err := sshFingerprint(f[2], hashType)
		if err != nil {
			return nil, err
		}
		if fp == "" {
			continue
		}
		ret = append(ret, map[string]any{"hostname": f[0], "key": f[2], "enc": f[1], "fingerprint": fp})
	}
	return ret, nil
}

// needBin is salt.utils.decorators.path.which: the function needs exe.
func (c *call) needBin(exe string) error {
	if c.whichPath(exe) == "" {
		return funcs.Raise("CommandNotFoundError", "The '%s' binary was not found in $PATH.", exe)
	}
	return nil
}

// sshKnownEntries is ssh.get_known_host_entries: None when the host has
// no entry.
func (c *call) sshKnownEntries(user any, hostname string, config, port any, hashType string) (any, error) {
	if err := c.needBin("ssh-keygen"); err != nil {
		return nil, err
	}
	full, errDict := c.sshKnownHostsFile(config, user)
	if errDict != nil {
		return errDict, nil
	}
	out, err := c.salt("cmd.run", []any{[]any{"ssh-keygen", "-F", sshHostPort(hostname, port), "-f", full}},
		map[string]any{"ignore_retcode": true, "python_shell": false})
	if err != nil {
		return nil, err
	}
	entries, err := sshParseOpenSSH(pyStr(out), hashType)
	if err != nil || len(entries) == 0 {
		return nil, err
	}
	return entries, nil
}

// sshRecvEntries is ssh.recv_known_host_entries: ssh-keyscan, tried up to
// five times while it prints nothing.
func (c *call) sshRecvEntries(hostname string, enc, port, hashKnown, timeout any, hashType string) (any, error) {
	if err := c.needBin("ssh-keyscan"); err != nil {
		return nil, err
	}
	cmd := []any{"ssh-keyscan"}
	if truthy(port) {
		cmd = append(cmd, "-p", port)
	}
	if truthy(enc) {
		cmd = append(cmd, "-t", enc)
	}
	if truthy(hashKnown) {
		cmd = append(cmd, "-H")
	}
	cmd = append(cmd, "-T", pyStr(timeout), hostname)
	out := ""
	for attempts := 5; out == "" && attempts > 0; attempts-- {
		v, err := c.salt("cmd.run", []any{cmd}, map[string]any{"python_shell": false})
		if err != nil {
			return nil, err
		}
		out = pyStr(v)
	}
	entries, err := sshParseOpenSSH(out, hashType)
	if err != nil || len(entries) == 0 {
		return nil, err
	}
	return entries, nil
}

func sshCheckKnownHost(c *call) (any, error) {
	if !c.truth("hostname") {
		return map[string]any{"status": "error", "error": "hostname argument required"}, nil
	}
	config := c.a["config"]
	if !truthy(config) {
		config = "/etc/ssh/ssh_known_hosts"
		if c.truth("user") {
			config = ".ssh/known_hosts"
		}
	}
	v, err := c.sshKnownEntries(c.a["user"], c.str("hostname"), config, c.a["port"], c.str("fingerprint_hash_type"))
	if err != nil {
		return nil, err
	}
	if _, ok := v.(map[string]any); ok {
		// the known hosts file's error dict: Salt reads its keys as
		// entries, and h["key"] on a string raises
		return nil, funcs.Raise("TypeError", "string indices must be integers, not 'str'")
	}
	entries, _ := v.([]any)
	if len(entries) == 0 {
		return "add", nil
	}
	has := func(field string, want any) bool {
		for _, e := range entries {
			if pyEqual(e.(map[string]any)[field], want) {
				return true
			}
		}
		return false
	}
	switch {
	case c.truth("key"):
		if has("key", c.a["key"]) {
			return "exists", nil
		}
		return "update", nil
	case c.truth("fingerprint"):
		if has("fingerprint", c.a["fingerprint"]) {
			return "exists", nil
		}
		return "update", nil
	}
	return "exists", nil
}

func sshRmKnownHost(c *call) (any, error) {
	if !c.truth("hostname") {
		return map[string]any{"status": "error", "error": "hostname argument required"}, nil
	}
	full, errDict := c.sshKnownHostsFile(c.a["config"], c.a["user"])
	if errDict != nil {
		return errDict, nil
	}
	if fi, err := os.Stat(c.host(full)); err != nil || !fi.Mode().IsRegular() {
		return map[string]any{"status": "error", "error": "Known hosts file " + full + " does not exist"}, nil
	}
	out, err := c.salt("cmd.run", []any{[]any{"ssh-keygen", "-R", sshHostPort(c.str("hostname"), c.a["port"]), "-f", full}},
		map[string]any{"python_shell": false})
	if err != nil {
		return nil, err
	}
	c.sshChownToUser(full, c.a["user"])
	return map[string]any{"status": "removed", "comment": out}, nil
}

// sshChownToUser gives a file ssh-keygen rewrote back to the user, as
// Salt does when it runs as root.
func (c *call) sshChownToUser(p string, user any) {
	if os.Geteuid() != 0 || !truthy(user) {
		return
	}
	info := c.userInfoMap(pyStr(user))
	if len(info) > 0 {
		os.Chown(c.host(p), intOf(info["uid"]), intOf(info["gid"]))
	}
}

// sshHashKnownHosts is ssh.hash_known_hosts: ssh-keygen -H, the file's
// mode kept.
func (c *call) sshHashKnownHosts(user, config any) (any, error) {
	full, errDict := c.sshKnownHostsFile(config, user)
	if errDict != nil {
		return errDict, nil
	}
	fi, err := os.Stat(c.host(full))
	if err != nil || !fi.Mode().IsRegular() {
		return map[string]any{"status": "error", "error": "Known hosts file " + full + " does not exist"}, nil
	}
	out, err := c.salt("cmd.run", []any{[]any{"ssh-keygen", "-H", "-f", full}}, map[string]any{"python_shell": false})
	if err != nil {
		return nil, err
	}
	os.Chmod(c.host(full), fi.Mode())
	c.sshChownToUser(full, user)
	return map[string]any{"status": "updated", "comment": out}, nil
}

// intOf is v as an int (-1 when it is not a number).
func intOf(v any) int {
	if n, err := pyInt(v); err == nil {
		return n
	}
	return -1
}

// sshSetKnownHost is ssh.set_known_host: the host's key (given, or
// received with ssh-keyscan and checked against fingerprint) recorded in
// known_hosts, replacing the host's entries of that key type; the file
// rewritten through a temp file and a rename.
func sshSetKnownHost(c *call) (any, error) {
	if !c.truth("hostname") {
		return map[string]any{"status": "error", "error": "hostname argument required"}, nil
	}
	hostname, user, config, port := c.str("hostname"), c.a["user"], c.a["config"], c.a["port"]
	key, fingerprint, enc, hashKnown := c.a["key"], c.a["fingerprint"], c.a["enc"], c.a["hash_known_hosts"]
	ht := c.str("fingerprint_hash_type")
	if port != nil && !pyEqual(port, 22) && truthy(hashKnown) {
		return map[string]any{"status": "error", "error": "argument port can not be used in conjunction with argument hash_known_hosts"}, nil
	}
	storedV, err := c.sshKnownEntries(user, hostname, config, port, ht)
	if err != nil {
		return nil, err
	}
	if _, ok := storedV.(map[string]any); ok {
		return nil, funcs.Raise("TypeError", "string indices must be integers, not 'str'")
	}
	stored, _ := storedV.([]any)
	field := func(l []any, k string) []any {
		var out []any
		for _, e := range l {
			out = append(out, e.(map[string]any)[k])
		}
		return out
	}
	storedKeys := field(stored, "key")
	update, check := false, false
	switch {
	case len(stored) == 0:
		update = true
	case truthy(fingerprint) && !containsValue(field(stored, "fingerprint"), fingerprint):
		update = true
	case truthy(key) && !containsValue(storedKeys, key):
		update = true
	case key == nil && fingerprint == nil:
		check = true
	}
	if !update && !check {
		return map[string]any{"status": "exists", "keys": anyListOrEmpty(storedKeys)}, nil
	}
	var remote []any
	if !truthy(key) {
		v, err := c.sshRecvEntries(hostname, enc, port, hashKnown, c.a["timeout"], ht)
		if err != nil {
			return nil, err
		}
		remote, _ = v.([]any)
		if len(remote) == 0 {
			return map[string]any{"status": "error", "error": "Unable to receive remote host keys"}, nil
		}
		if truthy(fingerprint) && !containsValue(field(remote, "fingerprint"), fingerprint) {
			return map[string]any{"status": "error", "error": "Remote host public keys found but none of their fingerprints match the one you have provided"}, nil
		}
		if check {
			for _, k := range field(remote, "key") {
				// Salt's loop variable is the function's key: once the
				// loop ends, key is the last remote key
				key = k
				if containsValue(storedKeys, k) {
					return map[string]any{"status": "exists", "keys": anyListOrEmpty(storedKeys)}, nil
				}
			}
		}
	}
	full, errDict := c.sshKnownHostsFile(config, user)
	if errDict != nil {
		return errDict, nil
	}
	var lines []string
	var origMode os.FileMode
	if fi, err := os.Stat(c.host(full)); err == nil && fi.Mode().IsRegular() {
		origMode = fi.Mode().Perm()
		out, err := c.salt("cmd.run", []any{[]any{"ssh-keygen", "-F", sshHostPort(hostname, port), "-f", full}},
			map[string]any{"ignore_retcode": true, "python_shell": false})
		if err != nil {
			return nil, err
		}
		remove := sshMatchedLines(pySplitlines(pyStr(out)), pyStr(enc))
		b, err := os.ReadFile(c.host(full))
		if err != nil {
			return nil, funcs.Raise("CommandExecutionError", "Couldn't remove old entry(ies) from known hosts file: '%s'", pyOSError(err, full))
		}
		lines = splitKeep(string(b))
		slices.Sort(remove)
		for i := len(remove) - 1; i >= 0; i-- {
			if n := remove[i]; n >= 1 && n <= len(lines) {
				lines = append(lines[:n-1], lines[n:]...)
			}
		}
	}
	if truthy(key) {
		remote = []any{map[string]any{"hostname": hostname, "enc": enc, "key": key}}
	}
	for _, e := range remote {
		m := e.(map[string]any)
		if truthy(hashKnown) || port == nil || pyEqual(port, 22) || strings.Contains(pyStr(m["hostname"]), ":") {
			lines = append(lines, pyStr(m["hostname"])+" "+pyStr(m["enc"])+" "+pyStr(m["key"])+"\n")
		} else {
			m["port"] = port
			lines = append(lines, "["+pyStr(m["hostname"])+"]:"+pyStr(port)+" "+pyStr(m["enc"])+" "+pyStr(m["key"])+"\n")
		}
	}
	dir := path.Dir(full)
	uid, gid := -1, -1
	if truthy(user) {
		info := c.userInfoMap(pyStr(user))
		uid, gid = intOf(info["uid"]), intOf(info["gid"])
	}
	if _, err := os.Stat(c.host(dir)); err != nil {
		if err := os.MkdirAll(c.host(dir), 0o777); err == nil && truthy(user) {
			os.Chown(c.host(dir), uid, gid)
			os.Chmod(c.host(dir), 0o700)
		}
	}
	mode := origMode
	if mode == 0 {
		mode = 0o600
	}
	if os.Geteuid() != 0 || !truthy(user) {
		uid, gid = -1, -1
	}
	if err := state.WriteFile(c.env.stateEnv(), full, []byte(strings.Join(lines, "")), mode, uid, gid); err != nil {
		return nil, funcs.Raise("CommandExecutionError", "Couldn't append to known hosts file: '%s'", pyOSError(err, full))
	}
	if truthy(key) && truthy(hashKnown) {
		if _, err := c.sshHashKnownHosts(user, full); err != nil {
			return nil, err
		}
	}
	var old any
	if len(stored) > 0 {
		old = stored
	}
	return map[string]any{"status": "updated", "old": old, "new": remote}, nil
}

func anyListOrEmpty(l []any) []any {
	if l == nil {
		return []any{}
	}
	return l
}

// sshMatchedLines is ssh._get_matched_host_line_numbers: the line numbers
// ssh-keygen -F found with the key type enc ("rsa" when none).
func sshMatchedLines(lines []string, enc string) []int {
	if enc == "" {
		enc = "rsa"
	}
	var out []int
	for i := 0; i+1 < len(lines); i += 2 {
		f := strings.Fields(lines[i])
		g := strings.Fields(lines[i+1])
		if len(f) == 0 || len(g) < 2 {
			continue
		}
		n, err := strconv.Atoi(f[len(f)-1])
		if err != nil || g[len(g)-2] != enc {
			continue
		}
		out = append(out, n)
	}
	return out
}
