package connect

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// Keyring loads private keys once per run and shares them between hosts,
// asking for a passphrase at most once per key file.
type Keyring struct {
	// Prompt asks for a passphrase (nil: encrypted keys without a passphrase
	// fail with a message saying how to give one).
	Prompt func(prompt string) (string, error)
	mu     sync.Mutex
	keys   map[string]keyEntry
}

type keyEntry struct {
	signer ssh.Signer
	err    error
}

// NewKeyring returns an empty keyring.
func NewKeyring(prompt func(string) (string, error)) *Keyring {
	return &Keyring{Prompt: prompt, keys: map[string]keyEntry{}}
}

// Signer loads the key in file, using passphrase for an encrypted key.
func (k *Keyring) Signer(file, passphrase string) (ssh.Signer, error) {
	file = ExpandHome(file)
	k.mu.Lock()
	defer k.mu.Unlock()
	if e, ok := k.keys[file+"\x00"+passphrase]; ok {
		return e.signer, e.err
	}
	s, err := k.load(file, passphrase)
	k.keys[file+"\x00"+passphrase] = keyEntry{s, err}
	return s, err
}

func (k *Keyring) load(file, passphrase string) (ssh.Signer, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("private key %s: %w", file, err)
	}
	s, err := ssh.ParsePrivateKey(pem)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		if passphrase == "" && k.Prompt != nil {
			passphrase, err = k.Prompt(fmt.Sprintf("Passphrase for %s: ", file))
			if err != nil {
				return nil, fmt.Errorf("private key %s: %w", file, err)
			}
		}
		if passphrase == "" {
			return nil, fmt.Errorf("private key %s is encrypted: give its passphrase with --priv-passwd, roster priv_passwd, or run on a terminal to be asked", file)
		}
		s, err = ssh.ParsePrivateKeyWithPassphrase(pem, []byte(passphrase))
		if err != nil {
			return nil, fmt.Errorf("private key %s: wrong passphrase or unreadable key: %w", file, err)
		}
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("private key %s: %w", file, err)
	}
	return s, nil
}

// ExpandHome replaces a leading ~/ with the user's home directory.
func ExpandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if h, err := os.UserHomeDir(); err == nil {
			return filepath.Join(h, p[1:])
		}
	}
	return p
}

// defaultKeyFiles are the identities OpenSSH tries when none is given.
func defaultKeyFiles() []string {
	h, err := os.UserHomeDir()
	if err != nil {
		return nil
	}
	var out []string
	for _, n := range []string{"id_ed25519", "id_ecdsa", "id_rsa"} {
		p := filepath.Join(h, ".ssh", n)
		if _, err := os.Stat(p); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// Auth says how to authenticate to one host.
type Auth struct {
	// Keys are explicit private key files (roster priv, --priv).
	Keys       []string
	Passphrase string
	// Agent uses the ssh-agent at SSH_AUTH_SOCK when set.
	Agent bool
	// Password enables password and keyboard-interactive authentication.
	Password string
	// Own is brine's own key file (the one --key-deploy installs): offered
	// after OpenSSH's default identities when no key is given explicitly,
	// and only when it exists.
	Own string
}

// methods builds the auth methods in OpenSSH's order: keys, agent, password.
// The returned closer releases the agent connection after the handshake.
// When password is set, it is set to true if the server is sent the
// password (the keys, if any, were refused).
func (a Auth) methods(kr *Keyring, password *atomic.Bool) ([]ssh.AuthMethod, func(), error) {
	var signers []ssh.Signer
	var errs []string
	keys := a.Keys
	explicit := len(keys) > 0
	if !explicit {
		keys = defaultKeyFiles()
		if a.Own != "" {
			if _, err := os.Stat(a.Own); err == nil {
				keys = append(keys, a.Own)
			}
		}
	}
	for _, f := range keys {
		s, err := kr.Signer(f, a.Passphrase)
		if err != nil {
			if explicit {
				return nil, func() {}, err
			}
			errs = append(errs, err.Error())
			continue
		}
		signers = append(signers, s)
	}
	var methods []ssh.AuthMethod
	closer := func() {}
	if a.Agent {
		if sock := os.Getenv("SSH_AUTH_SOCK"); sock != "" {
			if conn, err := net.Dial("unix", sock); err == nil {
				ag := agent.NewClient(conn)
				closer = func() { conn.Close() }
				methods = append(methods, ssh.PublicKeysCallback(func() ([]ssh.Signer, error) {
					as, err := ag.Signers()
					if err != nil {
						return signers, nil
					}
					return append(append([]ssh.Signer(nil), signers...), as...), nil
				}))
				signers = nil
			}
		}
	}
	if len(signers) > 0 {
		methods = append([]ssh.AuthMethod{ssh.PublicKeys(signers...)}, methods...)
	}
	if a.Password != "" {
		pw := a.Password
		sent := func() {
			if password != nil {
				password.Store(true)
			}
		}
		methods = append(methods, ssh.PasswordCallback(func() (string, error) {
			sent()
			return pw, nil
		}), ssh.KeyboardInteractive(
			func(user, instruction string, questions []string, echos []bool) ([]string, error) {
				if len(questions) > 0 {
					sent()
				}
				ans := make([]string, len(questions))
				for i := range questions {
					ans[i] = pw
				}
				return ans, nil
			}))
	}
	if len(methods) == 0 {
		msg := "no way to authenticate: give a key (--priv or roster priv), run an ssh-agent, or give a password (--passwd, --askpass)"
		if len(errs) > 0 {
			msg += " (" + strings.Join(errs, "; ") + ")"
		}
		return nil, closer, errors.New(msg)
	}
	return methods, closer, nil
}
