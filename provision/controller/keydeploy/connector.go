package keydeploy

import (
	"context"
	"fmt"
	"io"
	"sync"

	"golang.org/x/crypto/ssh"

	"brine/inventory/roster"
	"brine/provision/controller/connect"
)

// Connector is the runner's SSH connector with --key-deploy: when a host
// lets brine in on the password (no key accepted), the key is added to the
// login user's authorized_keys over that connection, and the run goes on
// with it (one connection per host); the next run logs in with the key.
type Connector struct {
	Dialer *connect.Dialer
	// Target turns a roster host into connection settings.
	Target func(h *roster.Host) connect.Target
	// Keyring loads the key to deploy.
	Keyring *connect.Keyring
	// Own is brine's own key file, made on first use when a host needs a
	// key and none is given ("": there is none to make).
	Own string
	// Comment ends the authorized_keys line when the key has none.
	Comment string
	// Log is told each key deployed (brine's stderr).
	Log io.Writer

	once   sync.Once
	ownErr error
}

// Addr is the host's host:port.
func (k *Connector) Addr(h *roster.Host) string { return k.Target(h).Addr() }

// Dial connects to h and deploys the key when the login took the password.
func (k *Connector) Dial(ctx context.Context, h *roster.Host) (connect.Conn, error) {
	t := k.Target(h)
	c, err := k.Dialer.Dial(ctx, t)
	if err != nil {
		return nil, err
	}
	if !c.PasswordLogin() {
		return c, nil
	}
	file, pub, comment, err := k.key(t)
	added := false
	if err == nil {
		added, err = Authorize(ctx, c, pub, comment)
	}
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("--key-deploy for %s@%s: %w", t.User, t.Addr(), err)
	}
	if added {
		fmt.Fprintf(k.Log, "brine: key deployed: %s: %s@%s now accepts the key %s\n", h.ID, t.User, t.Addr(), file)
	} else {
		fmt.Fprintf(k.Log, "brine: warning: host %q: the key %s is in %s's ~/.ssh/authorized_keys already, yet the host asked for the password: check sshd's PubkeyAuthentication and AuthorizedKeysFile, and that ~ and ~/.ssh are not writable by others\n", h.ID, file, t.User)
	}
	return c, nil
}

// key is the key to deploy for t: its first explicit key (--priv, roster
// priv, IdentityFile), else brine's own, made on first use.
func (k *Connector) key(t connect.Target) (string, ssh.PublicKey, string, error) {
	file, pass := k.Own, ""
	if len(t.Auth.Keys) > 0 {
		file, pass = connect.ExpandHome(t.Auth.Keys[0]), t.Auth.Passphrase
	} else {
		if file == "" {
			return "", nil, "", fmt.Errorf("no key to deploy: give one with --priv (brine's own key needs a config directory)")
		}
		k.once.Do(func() {
			made, err := EnsureOwnKey(file, k.Comment)
			if made {
				fmt.Fprintf(k.Log, "brine: made brine's own key %s (offered to every host from now on)\n", file)
			}
			k.ownErr = err
		})
		if k.ownErr != nil {
			return "", nil, "", k.ownErr
		}
	}
	s, err := k.Keyring.Signer(file, pass)
	if err != nil {
		return "", nil, "", err
	}
	pub, comment := PublicKey(file, s)
	if comment == "" {
		comment = k.Comment
	}
	return file, pub, comment, nil
}
