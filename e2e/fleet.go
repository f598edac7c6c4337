// Package e2e runs the real brine binary against a fleet of real OpenSSH
// hosts on this machine. Each host is a Debian 12 root filesystem (an
// overlayfs over one cached debootstrap image, without Python), its own PID,
// mount and UTS namespaces, and sshd listening on a loopback address
// 127.B.1.N:22 (B is 0 unless BRINE_E2E_NET says otherwise; hosts past the
// 254th go on into 127.B.2.N, 127.B.3.N...). Root only; traffic stays on
// loopback.
package e2e

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// BaseVersion names the cached base image layout; bump it when the package
// list or the customisation changes.
const BaseVersion = "bookworm-v1"

// BasePackages are added to debootstrap's minbase: sshd, sudo for the sudo
// tests, cron for cron states, procps for service checks. No Python.
const BasePackages = "openssh-server,sudo,cron,procps"

// Users created in the base image for the sudo tests.
const (
	// SudoNoPass may sudo without a password.
	SudoNoPass = "brnopw"
	// SudoPass must give SudoPassword to sudo.
	SudoPass     = "brpw"
	SudoPassword = "s3cret-ops-pw"
)

// Mirror returns the Debian mirror from the machine's apt sources.
func Mirror() string {
	for _, f := range []string{"/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(b), "\n") {
			l = strings.TrimSpace(l)
			if u, ok := strings.CutPrefix(l, "URIs:"); ok && strings.Contains(u, "debian") && !strings.Contains(u, "security") {
				return strings.Fields(u)[0]
			}
			if strings.HasPrefix(l, "deb ") && !strings.Contains(l, "security") {
				if f := strings.Fields(l); len(f) >= 2 && strings.Contains(f[1], "debian") {
					return f[1]
				}
			}
		}
	}
	return "http://deb.debian.org/debian"
}

// EnsureBase builds (once) and returns the base root filesystem under
// cacheDir. A half-built image is never used: it is built in a temp dir and
// renamed when complete.
func EnsureBase(cacheDir string, logf func(string, ...any)) (string, error) {
	base := filepath.Join(cacheDir, BaseVersion)
	stamp := filepath.Join(base, ".brine-base-ok-v3")
	if _, err := os.Stat(stamp); err == nil {
		return base, nil
	}
	if _, err := os.Stat(filepath.Join(base, "usr/sbin/sshd")); err != nil {
		tmp := base + ".tmp"
		os.RemoveAll(tmp)
		if err := os.MkdirAll(cacheDir, 0o755); err != nil {
			return "", err
		}
		logf("e2e: debootstrap %s into %s (once; cached afterwards)", BaseVersion, base)
		cmd := exec.Command("debootstrap", "--variant=minbase", "--include="+BasePackages, "bookworm", tmp, Mirror())
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("debootstrap: %v\n%s", err, tail(out, 2000))
		}
		os.RemoveAll(base)
		if err := os.Rename(tmp, base); err != nil {
			return "", err
		}
	}
	// Customise: users for the sudo tests, no Python anywhere.
	if err := customiseBase(base); err != nil {
		return "", err
	}
	if m, _ := filepath.Glob(filepath.Join(base, "usr/bin/python*")); len(m) > 0 {
		return "", fmt.Errorf("base image has Python (%v): the no-Python claim would be untested", m)
	}
	if err := os.WriteFile(stamp, []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o644); err != nil {
		return "", err
	}
	return base, nil
}

// customiseBase adds the sudo tests' users to the root filesystem in dir
// and removes its sshd host keys (each host gets its own).
func customiseBase(dir string) error {
	script := fmt.Sprintf(`set -e
id %[1]s >/dev/null 2>&1 || useradd -m -s /bin/sh %[1]s
usermod -p '*' %[1]s
id %[2]s >/dev/null 2>&1 || useradd -m -s /bin/sh %[2]s
echo '%[2]s:%[3]s' | chpasswd
echo '%[1]s ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/%[1]s
echo '%[2]s ALL=(ALL) ALL' > /etc/sudoers.d/%[2]s
chmod 440 /etc/sudoers.d/%[1]s /etc/sudoers.d/%[2]s
mkdir -p /run/sshd
rm -f /etc/ssh/ssh_host_*
`, SudoNoPass, SudoPass, SudoPassword)
	cmd := exec.Command("chroot", dir, "/bin/sh", "-c", script)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("customise %s: %v\n%s", dir, err, out)
	}
	return nil
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// Host is one test host.
type Host struct {
	ID string
	// Hostname is the host's host name: its ID, or the name twin hosts
	// share (AddTwin).
	Hostname string
	Addr     string // HostAddr(n)
	// Root is the merged overlay: the host's filesystem seen from outside.
	Root string
	// Image is the image the host is an overlay of.
	Image  *Image
	lower  string // the image's root filesystem
	dir    string
	noSFTP bool
	// sftpCmd replaces the sftp subsystem's program (a fault: one that
	// never answers).
	sftpCmd string
	hostKey ssh.Signer
	cmd     *exec.Cmd
	exited  chan struct{}

	// SSHDConfig is sshd_config lines for this host alone, each ending in a
	// newline, written before the fleet's (sshd keeps the first value of a
	// keyword); it takes effect at the next Start.
	SSHDConfig string
}

// Fleet is a set of hosts sharing one client key.
type Fleet struct {
	Base  string
	Dir   string
	Hosts []*Host
	// ClientKey is the private key file authorised for root and the test users.
	ClientKey  string
	clientPub  ssh.PublicKey
	KnownHosts string

	mu    sync.Mutex // guards Hosts while hosts start in parallel
	idsMu sync.Mutex
	ids   map[string]map[string][2]int // image root -> user -> uid, gid
}

// NewFleet prepares a work dir and a client key.
func NewFleet(base, dir string) (*Fleet, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	blk, err := ssh.MarshalPrivateKey(priv, "brine-e2e")
	if err != nil {
		return nil, err
	}
	f := &Fleet{Base: base, Dir: dir, ClientKey: filepath.Join(dir, "id_ed25519"), KnownHosts: filepath.Join(dir, "known_hosts")}
	if err := os.WriteFile(f.ClientKey, pem.EncodeToMemory(blk), 0o600); err != nil {
		return nil, err
	}
	if f.clientPub, err = ssh.NewPublicKey(pub); err != nil {
		return nil, err
	}
	return f, nil
}

// NetOctet is the second octet of the loopback range the fleet uses, from
// BRINE_E2E_NET (0-255, default 0): two e2e runs on one machine (two
// checkouts, two developers) each take their own range.
func NetOctet() int {
	n, err := strconv.Atoi(os.Getenv("BRINE_E2E_NET"))
	if err != nil || n < 0 || n > 255 {
		return 0
	}
	return n
}

// HostAddr is the loopback address of the n-th host (n >= 1): 127.B.1.n for
// the first 254, then 127.B.2.1... so a fleet can hold thousands of hosts.
func HostAddr(n int) string {
	if n < 1 {
		n = 1
	}
	return fmt.Sprintf("127.%d.%d.%d", NetOctet(), 1+(n-1)/254, (n-1)%254+1)
}

// Add creates and starts host id at HostAddr(n), of the base image.
func (f *Fleet) Add(id string, n int, noSFTP bool) (*Host, error) {
	return f.add(id, n, noSFTP, Bookworm, f.Base)
}

// AddImage creates and starts host id at HostAddr(n), an overlay of img
// (built into the base image's cache the first time it is used). A host of
// a Boot image boots systemd; it takes a few seconds more to come up.
func (f *Fleet) AddImage(id string, n int, img *Image, logf func(string, ...any)) (*Host, error) {
	lower, err := EnsureImage(filepath.Dir(f.Base), img, logf)
	if err != nil {
		return nil, err
	}
	return f.add(id, n, false, img, lower)
}

// AddTwin is AddImage for a host named hostname whatever its id: twin
// hosts (one for Salt, one for brine) answer the same to `hostname`.
func (f *Fleet) AddTwin(id, hostname string, n int, img *Image, logf func(string, ...any)) (*Host, error) {
	lower, err := EnsureImage(filepath.Dir(f.Base), img, logf)
	if err != nil {
		return nil, err
	}
	return f.addNamed(id, hostname, n, false, img, lower)
}

func (f *Fleet) add(id string, n int, noSFTP bool, img *Image, lower string) (*Host, error) {
	return f.addNamed(id, id, n, noSFTP, img, lower)
}

func (f *Fleet) addNamed(id, hostname string, n int, noSFTP bool, img *Image, lower string) (*Host, error) {
	h := &Host{ID: id, Hostname: hostname, Addr: HostAddr(n), dir: filepath.Join(f.Dir, id), noSFTP: noSFTP, Image: img, lower: lower}
	h.Root = filepath.Join(h.dir, "root")
	for _, d := range []string{"upper", "work", "root"} {
		if err := os.MkdirAll(filepath.Join(h.dir, d), 0o755); err != nil {
			return nil, err
		}
	}
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", lower, filepath.Join(h.dir, "upper"), filepath.Join(h.dir, "work"))
	if err := syscall.Mount("overlay", h.Root, "overlay", 0, opts); err != nil {
		return nil, fmt.Errorf("mount overlay for %s: %w", id, err)
	}
	f.mu.Lock()
	f.Hosts = append(f.Hosts, h)
	f.mu.Unlock()
	ids, err := f.imageIDs(lower)
	if err != nil {
		return nil, err
	}
	auth := ssh.MarshalAuthorizedKey(f.clientPub)
	for _, u := range []struct{ home, user string }{{"/root", "root"}, {"/home/" + SudoNoPass, SudoNoPass}, {"/home/" + SudoPass, SudoPass}} {
		sshDir := filepath.Join(h.Root, u.home, ".ssh")
		if err := os.MkdirAll(sshDir, 0o700); err != nil {
			return nil, err
		}
		keys := filepath.Join(sshDir, "authorized_keys")
		if err := os.WriteFile(keys, auth, 0o600); err != nil {
			return nil, err
		}
		id := ids[u.user]
		for _, p := range []string{sshDir, keys} {
			if err := os.Lchown(p, id[0], id[1]); err != nil {
				return nil, fmt.Errorf("chown %s: %w", p, err)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(h.Root, "etc/hostname"), []byte(hostname+"\n"), 0o644); err != nil {
		return nil, err
	}
	if err := h.NewHostKey(); err != nil {
		return nil, err
	}
	if err := h.Start(); err != nil {
		return nil, err
	}
	return h, nil
}

// imageIDs reads the uid and gid of an image's users once (chown from
// outside, without a chroot process per host).
func (f *Fleet) imageIDs(lower string) (map[string][2]int, error) {
	f.idsMu.Lock()
	defer f.idsMu.Unlock()
	if ids, ok := f.ids[lower]; ok {
		return ids, nil
	}
	b, err := os.ReadFile(filepath.Join(lower, "etc/passwd"))
	if err != nil {
		return nil, err
	}
	ids := map[string][2]int{}
	for _, line := range strings.Split(string(b), "\n") {
		p := strings.Split(line, ":")
		if len(p) < 4 {
			continue
		}
		uid, err1 := strconv.Atoi(p[2])
		gid, err2 := strconv.Atoi(p[3])
		if err1 == nil && err2 == nil {
			ids[p[0]] = [2]int{uid, gid}
		}
	}
	for _, u := range []string{"root", SudoNoPass, SudoPass} {
		if _, ok := ids[u]; !ok {
			return nil, fmt.Errorf("image %s has no user %s", lower, u)
		}
	}
	if f.ids == nil {
		f.ids = map[string]map[string][2]int{}
	}
	f.ids[lower] = ids
	return ids, nil
}

// AddMany creates and starts hosts ids[i] at HostAddr(first+i), parallel at
// a time (the work is mostly process start-up: forks, execs, sshd key
// loading). Hosts are in f.Hosts in address order afterwards; the first
// error stops the hosts not yet started.
func (f *Fleet) AddMany(ids []string, first, parallel int, noSFTP bool) error {
	if parallel < 1 {
		parallel = 1
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	next := make(chan int)
	for w := 0; w < parallel; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if _, err := f.Add(ids[i], first+i, noSFTP); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		}()
	}
	for i := range ids {
		mu.Lock()
		failed := len(errs) > 0
		mu.Unlock()
		if failed {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	f.mu.Lock()
	sort.SliceStable(f.Hosts, func(i, j int) bool { return addrLess(f.Hosts[i].Addr, f.Hosts[j].Addr) })
	f.mu.Unlock()
	return errors.Join(errs...)
}

// addrLess orders dotted addresses numerically.
func addrLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		x, _ := strconv.Atoi(pa[i])
		y, _ := strconv.Atoi(pb[i])
		if x != y {
			return x < y
		}
	}
	return len(pa) < len(pb)
}

// NewHostKey gives the host a fresh ed25519 host key (a rebuilt host, as far
// as clients can tell); it takes effect at the next Start.
func (h *Host) NewHostKey() error {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	blk, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(h.Root, "etc/ssh/ssh_host_ed25519_key"), pem.EncodeToMemory(blk), 0o600); err != nil {
		return err
	}
	h.hostKey, err = ssh.NewSignerFromKey(priv)
	return err
}

// PublicKey is the host's current public host key.
func (h *Host) PublicKey() ssh.PublicKey { return h.hostKey.PublicKey() }

// KnownHostsLine is the known_hosts line for the host's current key.
func (h *Host) KnownHostsLine() string {
	return knownhosts.Line([]string{h.Addr}, h.PublicKey())
}

func (h *Host) sshdConfig() string {
	var b strings.Builder
	b.WriteString(h.SSHDConfig)
	fmt.Fprintf(&b, "ListenAddress %s\nPort 22\nHostKey /etc/ssh/ssh_host_ed25519_key\n", h.Addr)
	b.WriteString("PermitRootLogin prohibit-password\nPasswordAuthentication yes\nKbdInteractiveAuthentication no\n" +
		"UsePAM no\nPidFile none\nStrictModes no\nLogLevel ERROR\nMaxSessions 50\nMaxStartups 100:30:200\n")
	switch {
	case h.sftpCmd != "":
		b.WriteString("Subsystem sftp " + h.sftpCmd + "\n")
	case !h.noSFTP:
		b.WriteString("Subsystem sftp /usr/lib/openssh/sftp-server\n")
	}
	return b.String()
}

// Booted reports whether the host boots systemd (its image's Boot).
func (h *Host) Booted() bool { return h.Image != nil && h.Image.Boot }

// Start starts the host's sshd in new PID, mount and UTS namespaces (a
// booted host: systemd in a container of its own, which starts sshd) and
// waits until it accepts connections.
func (h *Host) Start() error {
	if err := os.WriteFile(filepath.Join(h.Root, "etc/ssh/sshd_config"), []byte(h.sshdConfig()), 0o644); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(h.Root, "run/sshd"), 0o755); err != nil {
		return err
	}
	// A private devpts, so sessions that ask for a tty (other tools do;
	// brine never does) get one, as on a real host.
	script := fmt.Sprintf("hostname %[1]s && mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts %[2]s/dev/pts && "+
		"mount --bind %[2]s/dev/pts/ptmx %[2]s/dev/ptmx && exec chroot %[2]s /usr/sbin/sshd -D -e", h.Hostname, h.Root)
	cmd := exec.Command("unshare", "--pid", "--fork", "--kill-child", "--mount", "--uts",
		"--mount-proc="+filepath.Join(h.Root, "proc"), "/bin/sh", "-c", script)
	what := "sshd"
	if h.Booted() {
		// systemd as the container's PID 1, in the machine's network
		// namespace (sshd listens on the host's own loopback address),
		// not registered with a machined or a unit (the machine may run
		// no systemd); the image's resolv.conf and time zone as they are.
		//
		// With --keep-unit, systemd-nspawn puts the container in a
		// "payload" cgroup below its own: each host first joins a cgroup
		// of its own, or every booted host would share one cgroup tree
		// (/payload at the root of the hierarchy, left there afterwards).
		if _, err := exec.LookPath("systemd-nspawn"); err != nil {
			return fmt.Errorf("host %s boots systemd: systemd-nspawn is missing (apt-get install systemd-container)", h.ID)
		}
		cgs, err := h.makeCgroups()
		if err != nil {
			return err
		}
		join := `for d in "$@"; do echo $$ > "$d/cgroup.procs" || exit 1; done; exec systemd-nspawn --quiet --directory="$ROOT" --boot ` +
			`--register=no --keep-unit --machine="$ID" --console=read-only --link-journal=no --resolv-conf=off --timezone=off`
		cmd = exec.Command("/bin/sh", append([]string{"-c", join, "join"}, cgs...)...)
		// /tmp is the host's own disk, as on Debian (no tmpfs of nspawn's)
		cmd.Env = append(os.Environ(), "SYSTEMD_NSPAWN_TMPFS_TMP=0", "ROOT="+h.Root, "ID="+h.Hostname)
		what = "systemd"
	}
	var logBuf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logBuf, &logBuf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if c, err := net.DialTimeout("tcp", h.Addr+":22", 200*time.Millisecond); err == nil {
		c.Close()
		return fmt.Errorf("%s:22 is already taken by another process: is another e2e run going on?", h.Addr)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s for %s: %w", what, h.ID, err)
	}
	// Remember the pid, so a later run can clean up after a killed one.
	_ = os.WriteFile(filepath.Join(h.dir, "pid"), []byte(strconv.Itoa(cmd.Process.Pid)), 0o600)
	h.cmd = cmd
	h.exited = make(chan struct{})
	go func() { cmd.Wait(); close(h.exited) }()
	// Generous: with hundreds of hosts starting on two cores, one sshd can
	// wait a while for the CPU.
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", h.Addr+":22", 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-h.exited:
			return fmt.Errorf("%s for %s exited: %s", what, h.ID, logBuf.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	h.Stop()
	return fmt.Errorf("%s for %s: sshd did not listen on %s:22 within 60s: %s", what, h.ID, h.Addr, logBuf.String())
}

// kill sends SIGKILL to the host's namespace init without waiting: for a
// booted host, first to the container's PID 1 (systemd-nspawn's process
// group does not hold it), which ends every process of the container and
// so systemd-nspawn.
func (h *Host) kill() {
	if h.cmd != nil && h.cmd.Process != nil {
		killTree(h.cmd.Process.Pid)
	}
}

// Stop kills the host's namespace init (and so every process in it), by pid.
func (h *Host) Stop() {
	if h.cmd == nil || h.cmd.Process == nil {
		return
	}
	killTree(h.cmd.Process.Pid)
	select {
	case <-h.exited:
	case <-time.After(5 * time.Second):
	}
	h.cmd = nil
}

// Remove stops host h, unmounts its filesystem and drops it from the fleet
// (tests that grow the fleet for a while).
func (f *Fleet) Remove(h *Host) error {
	h.Stop()
	removeCgroups(h.cgroupName())
	for i, x := range f.Hosts {
		if x == h {
			f.Hosts = append(f.Hosts[:i], f.Hosts[i+1:]...)
			break
		}
	}
	if err := unmount(h.Root); err != nil {
		return err
	}
	return os.RemoveAll(h.dir)
}

// Close stops every host and unmounts its filesystem.
func (f *Fleet) Close() error {
	var errs []error
	for _, h := range f.Hosts {
		h.kill() // all at once: a thousand hosts stop in one pass
	}
	for _, h := range f.Hosts {
		h.Stop()
	}
	// Unmount and remove the hosts' dirs a few at a time: a thousand
	// overlays one by one take most of a minute.
	var mu sync.Mutex
	var wg sync.WaitGroup
	next := make(chan *Host)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for h := range next {
				removeCgroups(h.cgroupName())
				if err := unmount(h.Root); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					continue
				}
				os.RemoveAll(h.dir)
			}
		}()
	}
	for _, h := range f.Hosts {
		next <- h
	}
	close(next)
	wg.Wait()
	if len(errs) == 0 {
		os.RemoveAll(f.Dir)
	}
	return errors.Join(errs...)
}

// cgroupRoots are the mounted cgroup hierarchies systemd uses: cgroup v2
// (at /sys/fs/cgroup, or at .../unified beside v1 controllers) and v1's
// name=systemd.
func cgroupRoots() []string {
	var out []string
	for _, d := range []string{"/sys/fs/cgroup", "/sys/fs/cgroup/unified", "/sys/fs/cgroup/systemd"} {
		if _, err := os.Stat(filepath.Join(d, "cgroup.procs")); err == nil {
			out = append(out, d)
		}
	}
	return out
}

// cgroupPrefix starts the name of every cgroup the fleet makes.
const cgroupPrefix = "brine-e2e:"

// cgroupName is the name of a booted host's own cgroup, from its directory
// (unique while the host exists; found again by CleanStale).
func (h *Host) cgroupName() string {
	return cgroupPrefix + strings.ReplaceAll(strings.Trim(h.dir, "/"), "/", "_")
}

// makeCgroups makes the host's cgroup in each hierarchy, afresh.
func (h *Host) makeCgroups() ([]string, error) {
	removeCgroups(h.cgroupName())
	var out []string
	for _, r := range cgroupRoots() {
		d := filepath.Join(r, h.cgroupName())
		if err := os.Mkdir(d, 0o755); err != nil {
			return nil, fmt.Errorf("cgroup for %s: %w", h.ID, err)
		}
		out = append(out, d)
	}
	return out, nil
}

// removeCgroups removes the cgroup name (and the ones systemd made below
// it) from each hierarchy, deepest first, once its processes are gone.
func removeCgroups(name string) {
	for _, r := range cgroupRoots() {
		top := filepath.Join(r, name)
		if _, err := os.Stat(top); err != nil {
			continue
		}
		for try := 0; try < 50; try++ {
			var dirs []string
			_ = filepath.WalkDir(top, func(p string, d os.DirEntry, err error) error {
				if err == nil && d.IsDir() {
					dirs = append(dirs, p)
				}
				return nil
			})
			failed := false
			for i := len(dirs) - 1; i >= 0; i-- {
				if err := syscall.Rmdir(dirs[i]); err != nil && !errors.Is(err, syscall.ENOENT) {
					failed = true
				}
			}
			if !failed {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// killTree sends SIGKILL to the PID-namespace inits below pid (a booted
// host's systemd, which takes its whole container with it) and then to
// pid's process group.
func killTree(pid int) {
	for _, p := range nsInits(pid) {
		_ = syscall.Kill(p, syscall.SIGKILL)
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
}

// nsInits lists the descendants of pid that are PID 1 of a PID namespace
// of their own (from /proc/PID/status's NSpid).
func nsInits(pid int) []int {
	parent := map[int]int{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces and parens
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 2 {
			continue
		}
		if pp, err := strconv.Atoi(f[1]); err == nil {
			parent[p] = pp
		}
	}
	var out []int
	for p := range parent {
		below := false
		for q, n := parent[p], 0; q > 1 && n < 64; q, n = parent[q], n+1 {
			if q == pid {
				below = true
				break
			}
		}
		if !below {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p))
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "NSpid:"); ok {
				if f := strings.Fields(v); len(f) > 1 && f[len(f)-1] == "1" {
					out = append(out, p)
				}
			}
		}
	}
	return out
}

func unmount(p string) error {
	var err error
	for i := 0; i < 50; i++ {
		if err = syscall.Unmount(p, 0); err == nil || errors.Is(err, syscall.EINVAL) {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err = syscall.Unmount(p, syscall.MNT_DETACH); err != nil {
		return fmt.Errorf("unmount %s: %w", p, err)
	}
	return nil
}

// OwnerFile, in a run's work dir, holds the pid of the test process that
// owns the run; CleanStale leaves a run alone while that process lives.
const OwnerFile = "owner.pid"

// MarkOwner records this process as the owner of the run in work.
func MarkOwner(work string) error {
	return os.WriteFile(filepath.Join(work, OwnerFile), []byte(strconv.Itoa(os.Getpid())), 0o600)
}

// ownerAlive reports whether the run in work belongs to a live process (a
// concurrent e2e run, which must not be touched).
func ownerAlive(work string) bool {
	b, err := os.ReadFile(filepath.Join(work, OwnerFile))
	if err != nil {
		return false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 || pid == os.Getpid() {
		return false
	}
	return syscall.Kill(pid, 0) == nil
}

// CleanStale stops the hosts and removes the work dirs of earlier runs that
// were killed before they could clean up (their pid files are under
// glob/fleet/*/pid). A run whose owner process is still alive is another
// e2e run going on now and is left alone. Only processes whose command line
// names that run's own root are stopped.
func CleanStale(glob string, logf func(string, ...any)) {
	pidFiles, _ := filepath.Glob(filepath.Join(glob, "fleet", "*", "pid"))
	runs := map[string]bool{}
	for _, pf := range pidFiles {
		hostDir := filepath.Dir(pf)
		run := filepath.Dir(filepath.Dir(hostDir))
		if ownerAlive(run) {
			continue
		}
		runs[run] = true
		b, err := os.ReadFile(pf)
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 1 {
			continue
		}
		cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err == nil && (strings.Contains(string(cmdline), "unshare") || strings.Contains(string(cmdline), "systemd-nspawn")) &&
			strings.Contains(string(cmdline), filepath.Join(hostDir, "root")) {
			logf("e2e: stopping host left by an earlier run: pid %d (%s)", pid, hostDir)
			killTree(pid)
			for i := 0; i < 50; i++ {
				if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err != nil {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
		_ = unmount(filepath.Join(hostDir, "root"))
		removeCgroups((&Host{dir: hostDir}).cgroupName())
	}
	for run := range runs {
		if err := os.RemoveAll(run); err != nil {
			logf("e2e: removing %s: %v", run, err)
		}
	}
}

// WriteKnownHosts writes a known_hosts file with every host's current key.
func (f *Fleet) WriteKnownHosts() error {
	var b strings.Builder
	for _, h := range f.Hosts {
		b.WriteString(h.KnownHostsLine() + "\n")
	}
	return os.WriteFile(f.KnownHosts, []byte(b.String()), 0o600)
}

// Exec runs script with /bin/sh as root on h over SSH (the fleet's client
// key, h's own host key), with a bound of d, and returns its stdout,
// stderr and exit code: what an admin's `ssh root@host sh -c` would see.
func (f *Fleet) Exec(h *Host, script string, d time.Duration) (stdout, stderr string, code int, err error) {
	b, err := os.ReadFile(f.ClientKey)
	if err != nil {
		return "", "", -1, err
	}
	signer, err := ssh.ParsePrivateKey(b)
	if err != nil {
		return "", "", -1, err
	}
	cfg := &ssh.ClientConfig{User: "root", Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.FixedHostKey(h.PublicKey()), Timeout: 10 * time.Second}
	cl, err := ssh.Dial("tcp", h.Addr+":22", cfg)
	if err != nil {
		return "", "", -1, fmt.Errorf("%s: %w", h.ID, err)
	}
	defer cl.Close()
	s, err := cl.NewSession()
	if err != nil {
		return "", "", -1, fmt.Errorf("%s: %w", h.ID, err)
	}
	defer s.Close()
	var so, se bytes.Buffer
	s.Stdout, s.Stderr = &so, &se
	s.Stdin = strings.NewReader(script)
	done := make(chan error, 1)
	go func() { done <- s.Run("/bin/sh -s") }()
	select {
	case err = <-done:
	case <-time.After(d):
		cl.Close()
		return so.String(), se.String(), -1, fmt.Errorf("%s: script did not finish within %s", h.ID, d)
	}
	var ee *ssh.ExitError
	switch {
	case errors.As(err, &ee):
		return so.String(), se.String(), ee.ExitStatus(), nil
	case err != nil:
		return so.String(), se.String(), -1, fmt.Errorf("%s: %w", h.ID, err)
	}
	return so.String(), se.String(), 0, nil
}
