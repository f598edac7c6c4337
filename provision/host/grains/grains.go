// Package grains collects Salt's core grains (static facts about the host)
// on the target: the keys, shapes and types salt/grains/*.py (3007.1)
// report on Linux, no more. It runs inside the small static executor, so it
// uses only the standard library (and brine's small shlex) and reads files
// instead of running commands (the one command, `systemctl --version` for
// the systemd grain, runs only when the systemctl binary does not carry
// the strings itself). It never does network lookups: names come from
// /etc/hosts, not DNS.
package grains

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Options tunes a collection.
type Options struct {
	// Root prefixes every file read ("" or "/" is the real root); tests point
	// it at a fake tree with etc/os-release, proc/cpuinfo...
	Root string
	// Version is reported as the "brine_version" grain.
	Version string
	// SaltVersion is the Salt release reported as saltversion and
	// saltversioninfo ("" is DefaultSaltVersion).
	SaltVersion string
}

// CollectWith returns the grains of the host whose file system is at
// o.Root ("" is the real "/"). The "id" grain defaults to the fqdn; callers
// set the roster id with SetID.
func CollectWith(ctx context.Context, o Options) map[string]any {
	g := newSystem(o.Root).collect(ctx, o.Version)
	sv := o.SaltVersion
	if sv == "" {
		sv = DefaultSaltVersion
	}
	if s, info, err := SaltVersion(sv); err == nil {
		g["saltversion"], g["saltversioninfo"] = s, info
	}
	return g
}

// SetID sets the "id" grain and the "server_id" derived from it, the way
// Salt derives it (sha256 of the id, modulo 2^31).
func SetID(g map[string]any, id string) {
	g["id"] = id
	g["server_id"] = serverID(id)
}

func serverID(id string) int64 {
	// The hash modulo 2^31 is its low 31 bits.
	sum := sha256.Sum256([]byte(id))
	return int64(binary.BigEndian.Uint32(sum[28:]) & 0x7fffffff)
}

// unameInfo is the part of uname(2) grains need.
type unameInfo struct {
	Sysname, Nodename, Release, Version, Machine string
}

// iface is one network interface with its addresses.
type iface struct {
	Name   string
	HWAddr string
	Addrs  []net.IP
}

// system is the collector's view of the host; tests replace the parts that
// do not come from files under root.
type system struct {
	root   string
	uname  func() unameInfo
	ifaces func() []iface
	getenv func(string) string
	getwd  func() string
	// run runs a command on the host (bounded by the caller's context) and
	// returns its stdout.
	run func(ctx context.Context, argv ...string) (string, error)
	uid int
	gid int
	pid int
	// found memoizes which() for one collection.
	found map[string]string
}

func newSystem(root string) *system {
	return &system{
		root:   root,
		uname:  realUname,
		ifaces: realIfaces,
		getenv: os.Getenv,
		getwd:  realGetwd,
		run:    realRun,
		uid:    os.Getuid(),
		gid:    os.Getgid(),
		pid:    os.Getpid(),
	}
}

// collect gathers every grain; each step is a few file reads, and ctx is
// checked between steps so a cancelled run returns what it has.
func (s *system) collect(ctx context.Context, version string) map[string]any {
	g := map[string]any{}
	if version == "" {
		version = "unknown"
	}
	g["brine_version"] = version
	steps := []func(context.Context, map[string]any){
		s.kernelGrains,
		s.osGrains,
		s.hostGrains,
		s.netGrains,
		s.gatewayGrains,
		s.dnsGrains,
		s.cpuGrains,
		s.gpuGrains,
		s.memGrains,
		s.hwGrains,
		s.diskGrains,
		s.initGrains,
		s.virtualGrains,
		s.userGrains,
		s.miscGrains,
		s.persistentGrains,
	}
	for _, step := range steps {
		if ctx.Err() != nil {
			break
		}
		step(ctx, g)
	}
	return g
}

// which finds an executable as Salt's salt.utils.path.which does: PATH,
// then the usual bin directories; it returns the path on the target, or "".
func (s *system) which(name string) string {
	if p, ok := s.found[name]; ok {
		return p
	}
	if s.found == nil {
		s.found = map[string]string{}
	}
	seen := map[string]bool{}
	dirs := append(strings.Split(s.getenv("PATH"), ":"), "/sbin", "/bin", "/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin")
	for _, d := range dirs {
		if d == "" || !strings.HasPrefix(d, "/") || seen[d] {
			continue
		}
		seen[d] = true
		p := filepath.Join(d, name)
		if fi, err := os.Stat(s.path(p)); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			s.found[name] = p
			return p
		}
	}
	s.found[name] = ""
	return ""
}

func realGetwd() string {
	d, _ := os.Getwd()
	return d
}

// realRun runs argv with a two-second bound of its own, so a wedged tool
// cannot hold up the collection.
func realRun(ctx context.Context, argv ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var out limited
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdout = &out
	err := cmd.Run()
	return string(out.b), err
}

// path maps an absolute path into root.
func (s *system) path(p string) string {
	if s.root == "" || s.root == "/" {
		return p
	}
	return filepath.Join(s.root, p)
}

// read returns the content of p under root, "" when unreadable.
func (s *system) read(p string) string {
	b, err := os.ReadFile(s.path(p))
	if err != nil {
		return ""
	}
	return string(b)
}

// exists reports whether p exists under root.
func (s *system) exists(p string) bool {
	_, err := os.Lstat(s.path(p))
	return err == nil
}

func realUname() unameInfo {
	var u syscall.Utsname
	if err := syscall.Uname(&u); err != nil {
		return unameInfo{Sysname: "Linux"}
	}
	return unameInfo{
		Sysname:  utsString(u.Sysname[:]),
		Nodename: utsString(u.Nodename[:]),
		Release:  utsString(u.Release[:]),
		Version:  utsString(u.Version[:]),
		Machine:  utsString(u.Machine[:]),
	}
}

// utsString converts a NUL-terminated utsname field (int8 or uint8 depending
// on the architecture) to a string.
func utsString[T int8 | uint8](f []T) string {
	var b strings.Builder
	for _, c := range f {
		if c == 0 {
			break
		}
		b.WriteByte(byte(c))
	}
	return b.String()
}

func realIfaces() []iface {
	list, err := net.Interfaces()
	if err != nil {
		return nil
	}
	out := make([]iface, 0, len(list))
	for _, in := range list {
		it := iface{Name: in.Name, HWAddr: in.HardwareAddr.String()}
		if it.HWAddr == "" {
			it.HWAddr = "00:00:00:00:00:00"
		}
		addrs, err := in.Addrs()
		if err == nil {
			for _, a := range addrs {
				if ipn, ok := a.(*net.IPNet); ok {
					it.Addrs = append(it.Addrs, ipn.IP)
				}
			}
		}
		out = append(out, it)
	}
	return out
}

func (s *system) kernelGrains(_ context.Context, g map[string]any) {
	u := s.uname()
	if u.Sysname == "" {
		u.Sysname = "Linux"
	}
	g["kernel"] = u.Sysname
	g["kernelrelease"] = u.Release
	g["kernelversion"] = u.Version
	g["cpuarch"] = u.Machine
	g["nodename"] = u.Nodename
	if kp, ok := s.kernelParams(); ok {
		g["kernelparams"] = kp
	}
}

// limited keeps the first maxToolOutput bytes written to it: a grain comes
// from a line or two of a tool's output, never from megabytes.
type limited struct{ b []byte }

const maxToolOutput = 1 << 20

func (l *limited) Write(p []byte) (int, error) {
	if room := maxToolOutput - len(l.b); room > 0 {
		l.b = append(l.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}
