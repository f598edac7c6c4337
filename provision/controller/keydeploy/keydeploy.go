// Package keydeploy brings a host under key login, as salt-ssh's
// --key-deploy: over a connection the host let in on a password, it adds a
// public key to the login user's ~/.ssh/authorized_keys (never twice); and
// it keeps brine's own key pair, made on first use, for when the operator
// names no key.
package keydeploy

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"

	"brine/provision/controller/connect"
	"brine/provision/lib/atomicfile"
	"brine/provision/lib/shquote"
)

// OwnKeyName is the file name of brine's own private key (its public key
// is beside it with ".pub"), like salt-ssh's pki/ssh/salt-ssh.rsa.
const OwnKeyName = "brine_ed25519"

// OwnKeyFile is where brine keeps its own key: brine_ed25519 in the brine
// directory of the user's config directory (~/.config/brine, or
// $XDG_CONFIG_HOME/brine).
func OwnKeyFile() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("brine's own key: %w", err)
	}
	return filepath.Join(dir, "brine", OwnKeyName), nil
}

// EnsureOwnKey makes an ed25519 key pair at path unless one is there: the
// private key 0600 in a 0700 directory, the public key at path.pub with
// comment. It reports whether it made the key. Two processes racing end up
// with the same key: the private key appears whole or not at all.
func EnsureOwnKey(path, comment string) (bool, error) {
	if _, err := os.Stat(path); err == nil {
		return false, ensurePub(path, comment)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, fmt.Errorf("brine's own key: %w", err)
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return false, fmt.Errorf("brine's own key: %w", err)
	}
	blk, err := ssh.MarshalPrivateKey(priv, comment)
	if err != nil {
		return false, fmt.Errorf("brine's own key: %w", err)
	}
	tmp, err := writeTemp(path, pem.EncodeToMemory(blk), 0o600)
	if err != nil {
		return false, fmt.Errorf("brine's own key: %w", err)
	}
	defer os.Remove(tmp)
	// A link never replaces a key another process made meanwhile.
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return false, ensurePub(path, comment)
		}
		return false, fmt.Errorf("brine's own key: %w", err)
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		return true, err
	}
	return true, atomicfile.Write(path+".pub", []byte(AuthorizedLine(sp, comment)), 0o644)
}

// ensurePub writes path.pub from the private key when it is missing.
func ensurePub(path, comment string) error {
	if _, err := os.Stat(path + ".pub"); err == nil {
		return nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("brine's own key: %w", err)
	}
	s, err := ssh.ParsePrivateKey(b)
	if err != nil {
		return fmt.Errorf("brine's own key %s: %w", path, err)
	}
	return atomicfile.Write(path+".pub", []byte(AuthorizedLine(s.PublicKey(), comment)), 0o644)
}

// writeTemp writes data with mode to a new temp file beside path and
// returns its name.
func writeTemp(path string, data []byte, mode os.FileMode) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(mode)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// PublicKey is the key to deploy for private key file priv (its signer
// already loaded): the public key, and the comment of priv.pub when that
// file holds the same key (else none).
func PublicKey(priv string, s ssh.Signer) (ssh.PublicKey, string) {
	pub := s.PublicKey()
	b, err := os.ReadFile(priv + ".pub")
	if err != nil {
		return pub, ""
	}
	k, comment, _, _, err := ssh.ParseAuthorizedKey(b)
	if err != nil || !bytes.Equal(k.Marshal(), pub.Marshal()) {
		return pub, ""
	}
	return pub, comment
}

// AuthorizedLine is the authorized_keys line for pub: "type base64
// comment" and a newline.
func AuthorizedLine(pub ssh.PublicKey, comment string) string {
	line := strings.TrimSuffix(string(ssh.MarshalAuthorizedKey(pub)), "\n")
	if c := strings.Join(strings.Fields(comment), " "); c != "" {
		line += " " + c
	}
	return line + "\n"
}

const (
	markAdded   = "brine-key-deploy: added"
	markPresent = "brine-key-deploy: present"
)

// authorizeScript adds line to ~/.ssh/authorized_keys unless a line holds
// the key blob already (whatever its options or comment). It needs only
// /bin/sh, mkdir, chmod and mv. ~/.ssh is made 0700 and the file is
// rewritten whole, 0600, through a temporary file renamed over it; a
// symlinked authorized_keys (a file managed elsewhere) is appended to
// through the link instead. A last line without its newline gets one.
// Where SELinux is, restorecon gives both their labels (as ssh-copy-id).
func authorizeScript(line, blob string) string {
	return `key=` + shquote.Quote(line) + `; blob=` + shquote.Quote(blob) + `
umask 077
if [ -z "$HOME" ] || [ ! -d "$HOME" ]; then echo "the login user has no home directory (HOME=$HOME)" >&2; exit 3; fi
d="$HOME/.ssh"; f="$d/authorized_keys"
if [ ! -d "$d" ]; then mkdir -m 700 "$d" || exit 3; fi
nl=
if [ -f "$f" ]; then
  while :; do
    if IFS= read -r l; then :; elif [ -n "$l" ]; then nl=1; else break; fi
    case " $l " in *[' 	']"$blob"[' 	']*) echo '` + markPresent + `'; exit 0;; esac
  done < "$f" || exit 3
fi
if [ -L "$f" ]; then
  { if [ -n "$nl" ]; then echo; fi; printf '%s\n' "$key"; } >> "$f" || exit 3
else
  t="$d/.authorized_keys.brine.$$"
  { if [ -f "$f" ]; then while IFS= read -r l || [ -n "$l" ]; do printf '%s\n' "$l"; done < "$f"; fi; printf '%s\n' "$key"; } > "$t" &&
    chmod 600 "$t" && mv -f "$t" "$f" || { rm -f "$t"; exit 3; }
fi
if command -v restorecon >/dev/null 2>&1; then restorecon -F "$d" "$f" >/dev/null 2>&1; fi
echo '` + markAdded + `'
`
}

// Authorize adds pub (with comment) to the authorized_keys of the user
// conn is logged in as, unless that key is there already; it reports
// whether it added it. It runs as the login user, never through sudo: the
// key is for logging in, and the files it makes are that user's.
func Authorize(ctx context.Context, conn connect.Conn, pub ssh.PublicKey, comment string) (bool, error) {
	line := strings.TrimSuffix(AuthorizedLine(pub, comment), "\n")
	blob := base64.StdEncoding.EncodeToString(pub.Marshal())
	stdout, stderr, status, err := connect.Run(ctx, conn, authorizeScript(line, blob), nil)
	if err != nil {
		return false, err
	}
	out := string(stdout)
	switch {
	case status == 0 && strings.Contains(out, markAdded):
		return true, nil
	case status == 0 && strings.Contains(out, markPresent):
		return false, nil
	}
	msg := strings.TrimSpace(string(stderr))
	if msg == "" {
		msg = strings.TrimSpace(out)
	}
	return false, fmt.Errorf("adding the key to ~/.ssh/authorized_keys failed (exit %d): %s", status, msg)
}
