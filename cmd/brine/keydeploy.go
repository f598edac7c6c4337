package main

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/urfave/cli/v2"
	"golang.org/x/crypto/ssh"

	"brine/inventory/roster"
	"brine/provision/controller/connect"
	"brine/provision/controller/dispatch"
	"brine/provision/controller/keydeploy"
)

// sshConnector is the runner's SSH connector: with --key-deploy, one that
// deploys the key where a host takes the password only.
func sshConnector(c *cli.Context, res *resolver, s dispatch.SSH, log io.Writer) dispatch.Connector {
	if !c.Bool("key-deploy") {
		return s
	}
	return &keyDeployer{SSH: s, keyring: res.dialer.Keyring, own: res.own, comment: "brine:" + controllerName(), log: log}
}

// keyDeployer is the SSH connector with --key-deploy: when a host lets
// brine in on the password (no key accepted), the key is added to the
// login user's authorized_keys over that connection, and the run goes on
// with it (one connection per host); the next run logs in with the key.
type keyDeployer struct {
	dispatch.SSH
	keyring *connect.Keyring
	// own is brine's own key file, made on first use when a host needs a
	// key and none is given.
	own     string
	comment string
	log     io.Writer

	once   sync.Once
	ownErr error
}

// Dial connects to h and deploys the key when the login took the password.
func (k *keyDeployer) Dial(ctx context.Context, h *roster.Host) (connect.Conn, error) {
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
		added, err = keydeploy.Authorize(ctx, c, pub, comment)
	}
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("--key-deploy for %s@%s: %w", t.User, t.Addr(), err)
	}
	if added {
		fmt.Fprintf(k.log, "brine: key deployed: %s: %s@%s now accepts the key %s\n", h.ID, t.User, t.Addr(), file)
	} else {
		fmt.Fprintf(k.log, "brine: warning: host %q: the key %s is in %s's ~/.ssh/authorized_keys already, yet the host asked for the password: check sshd's PubkeyAuthentication and AuthorizedKeysFile, and that ~ and ~/.ssh are not writable by others\n", h.ID, file, t.User)
	}
	return c, nil
}

// key is the key to deploy for t: its first explicit key (--priv, roster
// priv, IdentityFile), else brine's own, made on first use.
func (k *keyDeployer) key(t connect.Target) (string, ssh.PublicKey, string, error) {
	file, pass := k.own, ""
	if len(t.Auth.Keys) > 0 {
		file, pass = connect.ExpandHome(t.Auth.Keys[0]), t.Auth.Passphrase
	} else {
		if file == "" {
			return "", nil, "", fmt.Errorf("no key to deploy: give one with --priv (brine's own key needs a config directory)")
		}
		k.once.Do(func() {
			made, err := keydeploy.EnsureOwnKey(file, k.comment)
			if made {
				fmt.Fprintf(k.log, "brine: made brine's own key %s (offered to every host from now on)\n", file)
			}
			k.ownErr = err
		})
		if k.ownErr != nil {
			return "", nil, "", k.ownErr
		}
	}
	s, err := k.keyring.Signer(file, pass)
	if err != nil {
		return "", nil, "", err
	}
	pub, comment := keydeploy.PublicKey(file, s)
	if comment == "" {
		comment = k.comment
	}
	return file, pub, comment, nil
}
