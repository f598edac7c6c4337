package connect

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"brine/provision/lib/shquote"
)

// HostKeyPolicy says what to do with a host key that known_hosts lacks.
type HostKeyPolicy string

const (
	// Strict refuses unknown and changed keys (OpenSSH's
	// StrictHostKeyChecking=yes).
	Strict HostKeyPolicy = "strict"
	// AcceptNew records unknown keys and refuses changed ones
	// (StrictHostKeyChecking=accept-new).
	AcceptNew HostKeyPolicy = "accept-new"
	// Ignore skips host key checking altogether (-i/--ignore-host-keys).
	Ignore HostKeyPolicy = "ignore"
)

// ParsePolicy parses a --host-key-policy value.
func ParsePolicy(s string) (HostKeyPolicy, error) {
	switch HostKeyPolicy(s) {
	case Strict, "yes", "":
		return Strict, nil
	case AcceptNew:
		return AcceptNew, nil
	case Ignore, "no", "off":
		return Ignore, nil
	}
	return "", fmt.Errorf("unknown host key policy %q: use strict, accept-new or ignore", s)
}

// HostKeyError is a refused host key; Changed tells a mismatch (possible
// man-in-the-middle) from a key that is simply not known yet.
type HostKeyError struct {
	Addr        string
	Changed     bool
	Fingerprint string
	Type        string
	File        string
	// KnownLine is the known_hosts line holding the expected key when Changed.
	KnownLine int
}

func (e *HostKeyError) Error() string {
	if e.Changed {
		return fmt.Sprintf("host key for %s has CHANGED: the server offered %s %s but %s:%d holds another key; "+
			"this may be a man-in-the-middle attack. If the host was rebuilt, remove the old key (ssh-keygen -R %s -f %s) and connect again",
			e.Addr, e.Type, e.Fingerprint, e.File, e.KnownLine, shquote.Arg(knownhosts.Normalize(e.Addr)), shquote.Arg(e.File))
	}
	return fmt.Sprintf("host key for %s is unknown (%s %s, not in %s): verify it and add it (ssh-keyscan), "+
		"or run with --host-key-policy accept-new to record it", e.Addr, e.Type, e.Fingerprint, e.File)
}

// KnownHosts checks and records host keys in one known_hosts file. It is safe
// for concurrent use by parallel connections.
type KnownHosts struct {
	file   string
	policy HostKeyPolicy
	mu     sync.Mutex
	check  ssh.HostKeyCallback
}

// NewKnownHosts opens file (created on demand with accept-new) under policy.
func NewKnownHosts(file string, policy HostKeyPolicy) (*KnownHosts, error) {
	k := &KnownHosts{file: file, policy: policy}
	if policy == Ignore {
		return k, nil
	}
	if err := k.reload(); err != nil {
		return nil, err
	}
	return k, nil
}

func (k *KnownHosts) reload() error {
	if _, err := os.Stat(k.file); errors.Is(err, os.ErrNotExist) {
		k.check = func(string, net.Addr, ssh.PublicKey) error {
			return &knownhosts.KeyError{}
		}
		return nil
	}
	cb, err := knownhosts.New(k.file)
	if err != nil {
		return fmt.Errorf("known_hosts %s: %w", k.file, err)
	}
	k.check = cb
	return nil
}

// Algorithms returns the host key algorithms known_hosts holds for addr, so
// the handshake asks for a key it can verify (empty: no preference).
func (k *KnownHosts) Algorithms(addr string) []string {
	if k.policy == Ignore {
		return nil
	}
	k.mu.Lock()
	check := k.check
	k.mu.Unlock()
	var ke *knownhosts.KeyError
	err := check(addr, &net.TCPAddr{IP: net.IPv4zero}, probeKey{})
	if !errors.As(err, &ke) {
		return nil
	}
	seen := map[string]bool{}
	var algos []string
	for _, w := range ke.Want {
		for _, a := range algorithmsFor(w.Key.Type()) {
			if !seen[a] {
				seen[a] = true
				algos = append(algos, a)
			}
		}
	}
	return algos
}

func algorithmsFor(keyType string) []string {
	switch keyType {
	case ssh.KeyAlgoRSA:
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	default:
		return []string{keyType}
	}
}

// probeKey is a key no known_hosts line can hold; checking it lists the keys
// that are known for an address.
type probeKey struct{}

func (probeKey) Type() string                                 { return "brine-probe" }
func (probeKey) Marshal() []byte                              { return []byte("brine-probe") }
func (probeKey) Verify(data []byte, sig *ssh.Signature) error { return errors.New("probe") }

// Callback returns the ssh.HostKeyCallback for one dial to addr (host:port).
func (k *KnownHosts) Callback(addr string) ssh.HostKeyCallback {
	if k.policy == Ignore {
		return ssh.InsecureIgnoreHostKey()
	}
	return func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		k.mu.Lock()
		defer k.mu.Unlock()
		err := k.check(addr, remote, key)
		if err == nil {
			return nil
		}
		var ke *knownhosts.KeyError
		if !errors.As(err, &ke) {
			return fmt.Errorf("host key for %s: %w", addr, err)
		}
		herr := &HostKeyError{Addr: addr, Fingerprint: ssh.FingerprintSHA256(key), Type: key.Type(), File: k.file}
		if len(ke.Want) > 0 {
			herr.Changed = true
			herr.KnownLine = ke.Want[0].Line
			herr.File = ke.Want[0].Filename
			return herr
		}
		if k.policy != AcceptNew {
			return herr
		}
		if err := k.record(addr, key); err != nil {
			return fmt.Errorf("host key for %s: recording it in %s: %w", addr, k.file, err)
		}
		return nil
	}
}

// record appends a key to the file and reloads it; the caller holds k.mu.
func (k *KnownHosts) record(addr string, key ssh.PublicKey) error {
	if err := os.MkdirAll(filepath.Dir(k.file), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(k.file, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	line := knownhosts.Line([]string{knownhosts.Normalize(addr)}, key)
	if _, err := f.WriteString(strings.TrimRight(line, "\n") + "\n"); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return k.reload()
}
