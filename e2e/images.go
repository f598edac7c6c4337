package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Image is one kind of cached root filesystem that hosts are overlays of.
// An image is built once into the cache under its Name and never changed
// there: a change to what goes into an image takes a new Name (bump its
// -vN), so a cache built by an older checkout is never half right.
type Image struct {
	// Name is the image's directory under the cache, versioned.
	Name string
	// Suite is the Debian release debootstrap installs; empty when the
	// image is a copy of From.
	Suite string
	// From is the image this one is copied from before Packages are added
	// with apt (cheaper than a debootstrap of its own, and the two share
	// the same users and base packages).
	From *Image
	// Include is debootstrap's --include (BasePackages when empty; "-"
	// for none, when a suite's debootstrap cannot install them itself).
	Include string
	// Packages are added with apt-get: to debootstrap's minbase, or to a
	// copy of From.
	Packages []string
	// Setup is shell run as root in the image after its packages.
	Setup string
	// Boot: hosts of this image boot systemd as their PID 1
	// (systemd-nspawn -b), sshd being one of its services; otherwise a
	// host is sshd alone in its namespaces (a "chroot" host).
	Boot bool
	// Python: the image has Debian's python3 (what Salt needs on its
	// targets); brine needs none, and the base image proves it.
	Python bool
}

// The images. Bookworm is the suite's base (no Python), built by EnsureBase.
var (
	// Bookworm is Debian 12 minbase with BasePackages and no Python.
	Bookworm = &Image{Name: BaseVersion, Suite: "bookworm"}
	// BookwormPy is Bookworm plus python3: a chroot host on which Salt
	// runs; its twin for brine is a host of the same image.
	BookwormPy = &Image{Name: "bookworm-py-v1", From: Bookworm, Packages: []string{"python3"}, Python: true}
	// BookwormSystemd boots systemd (systemd-sysv, dbus) with sshd as a
	// service, python3 too so Salt's and brine's twins are the same host.
	BookwormSystemd = &Image{Name: "bookworm-systemd-v1", From: Bookworm, Boot: true, Python: true,
		Packages: []string{"systemd", "systemd-sysv", "dbus", "python3"}, Setup: systemdSetup}
	// BullseyePy is Debian 11 minbase with BasePackages and python3.
	BullseyePy = &Image{Name: "bullseye-py-v1", Suite: "bullseye", Packages: []string{"python3"}, Python: true}
	// TrixiePy is Debian 13 minbase with BasePackages and python3. Its
	// debootstrap cannot install cron (cron-daemon-common wants systemd,
	// which fails to unpack in debootstrap's second stage): apt adds them
	// all, with the standalone sysusers rather than systemd.
	TrixiePy = &Image{Name: "trixie-py-v1", Suite: "trixie", Include: "-", Python: true,
		Packages: []string{"openssh-server", "openssh-sftp-server", "sudo", "cron", "procps", "systemd-standalone-sysusers", "python3"}}
)

// Images are the images by kind, as test tables name them: "chroot" and
// "systemd" are Debian 12 with python3; "chroot11" and "chroot13" the
// chroot kind on Debian 11 and 13; "base" is Debian 12 without Python.
var Images = map[string]*Image{
	"base":     Bookworm,
	"chroot":   BookwormPy,
	"systemd":  BookwormSystemd,
	"chroot11": BullseyePy,
	"chroot13": TrixiePy,
}

// systemdSetup makes a booted host behave as a real one in a container:
// sshd and cron enabled, nothing that waits for hardware or a network that
// the host shares with the machine. The units masked are ones systemd runs
// on a real machine and that only fail or wait in a container sharing the
// machine's network.
const systemdSetup = `set -e
systemctl enable ssh.service cron.service >/dev/null 2>&1
systemctl mask systemd-networkd-wait-online.service systemd-timesyncd.service getty@.service >/dev/null 2>&1 || true
# a booted host has a machine id from first boot; one fixed empty file so
# every host makes its own (systemd writes it at boot)
: > /etc/machine-id
test -x /sbin/runlevel
`

// imageLocks serialises building one image within this process; a file
// lock serialises it across processes (two checkouts' e2e runs).
var imageLocks sync.Map

// EnsureImage builds (once) and returns the root filesystem of img under
// cacheDir. A half-built image is never used: it is built in a temp dir
// and renamed when complete.
func EnsureImage(cacheDir string, img *Image, logf func(string, ...any)) (string, error) {
	if img == Bookworm {
		return EnsureBase(cacheDir, logf)
	}
	mu, _ := imageLocks.LoadOrStore(img.Name, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	dir := filepath.Join(cacheDir, img.Name)
	stamp := filepath.Join(dir, ".brine-image-ok")
	if _, err := os.Stat(stamp); err == nil {
		return dir, nil
	}
	from := ""
	if img.From != nil {
		var err error
		if from, err = EnsureImage(cacheDir, img.From, logf); err != nil {
			return "", err
		}
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return "", err
	}
	lock, err := os.OpenFile(filepath.Join(cacheDir, "."+img.Name+".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", err
	}
	if _, err := os.Stat(stamp); err == nil { // another process built it meanwhile
		return dir, nil
	}
	t0 := time.Now()
	tmp := dir + ".tmp"
	os.RemoveAll(tmp)
	if from != "" {
		logf("e2e: image %s: a copy of %s with %s (once; cached afterwards)", img.Name, img.From.Name, strings.Join(img.Packages, " "))
		if out, err := exec.Command("cp", "-a", from, tmp).CombinedOutput(); err != nil {
			return "", fmt.Errorf("copy %s: %v\n%s", from, err, out)
		}
		for _, m := range []string{".brine-base-ok-v3", ".brine-image-ok"} {
			os.Remove(filepath.Join(tmp, m))
		}
	} else {
		logf("e2e: image %s: debootstrap %s (once; cached afterwards)", img.Name, img.Suite)
		args := []string{"--variant=minbase"}
		switch img.Include {
		case "":
			args = append(args, "--include="+BasePackages)
		case "-":
		default:
			args = append(args, "--include="+img.Include)
		}
		cmd := exec.Command("debootstrap", append(args, img.Suite, tmp, Mirror())...)
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("debootstrap %s: %v\n%s", img.Suite, err, tail(out, 2000))
		}
	}
	if len(img.Packages) > 0 {
		// apt-get in the image, its own /proc in a mount namespace of its
		// own (gone with the command); no daemon starts (policy-rc.d).
		script := `set -e
export DEBIAN_FRONTEND=noninteractive
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d
apt-get update -qq
apt-get install -y -qq --no-install-recommends ` + strings.Join(img.Packages, " ") + ` >/dev/null
apt-get clean
rm -f /usr/sbin/policy-rc.d
`
		if err := inImage(tmp, script); err != nil {
			return "", fmt.Errorf("image %s: packages: %w", img.Name, err)
		}
	}
	if from == "" {
		if err := customiseBase(tmp); err != nil {
			return "", err
		}
	}
	if img.Setup != "" {
		if err := inImage(tmp, img.Setup); err != nil {
			return "", fmt.Errorf("image %s: setup: %w", img.Name, err)
		}
	}
	py, _ := filepath.Glob(filepath.Join(tmp, "usr/bin/python3*"))
	if img.Python != (len(py) > 0) {
		return "", fmt.Errorf("image %s: python3 present %v, want %v", img.Name, len(py) > 0, img.Python)
	}
	if err := os.WriteFile(filepath.Join(tmp, ".brine-image-ok"), []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o644); err != nil {
		return "", err
	}
	os.RemoveAll(dir)
	if err := os.Rename(tmp, dir); err != nil {
		return "", err
	}
	logf("e2e: image %s built in %s", img.Name, time.Since(t0).Round(time.Second))
	return dir, nil
}

// inImage runs script as root in root filesystem dir, with a /proc of its
// own in private mount and PID namespaces (nothing stays mounted after).
func inImage(dir, script string) error {
	cmd := exec.Command("unshare", "--mount", "--pid", "--fork", "--kill-child", "--mount-proc="+filepath.Join(dir, "proc"),
		"chroot", dir, "/bin/sh", "-c", script)
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C"}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%v\n%s", err, tail(out, 3000))
	}
	return nil
}

// MachineLock takes the machine-wide lock name (a file in the image cache
// dir, so every checkout's e2e runs share it), waiting up to d; the func
// returned releases it. Hosts that run real services (a formula's real
// apply: snmpd, rpcbind, sshd on their default ports) share the machine's
// network, so two of them at once, from two e2e runs, would fight over
// the same loopback ports.
func MachineLock(cacheDir, name string, d time.Duration) (func(), error) {
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(cacheDir, "."+name+".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(d)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("machine lock %s: another e2e run held it for %s", name, d)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
