// Package executorbin finds the brine-exec executor for a target architecture:
// in $BRINE_EXEC_DIR, embedded in the brine binary (release builds, after
// `go generate`), or beside the brine binary, or, in a source checkout,
// built on the spot with the Go toolchain (so `go run ./cmd/brine` works from
// a fresh clone).
package executorbin

//go:generate sh build.sh

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

//go:embed bin
var embedded embed.FS

// BuildFlags are the go build flags of every executor build (build.sh
// spells them out too): no symbol table, no DWARF, no build id, and no
// inlining. The executor is short-lived and bound by exec and I/O: inlining
// saves about 5 µs of CPU per state and costs a seventh of the bytes every
// new host downloads (about 345 KB gzipped, most of it inline tables in
// pclntab), which would put linux/amd64 at 2.32 MB, over its 2 MB budget.
func BuildFlags() []string {
	return []string{"-trimpath", "-gcflags=all=-l", "-ldflags=-s -w -buildid="}
}

// Executor is one executor binary.
type Executor struct {
	Arch string // Go arch: amd64, arm64
	// SHA is the hex sha256 of the binary; the executor is cached on
	// targets under it.
	SHA string
	// From says where it came from, for messages.
	From string

	once sync.Once
	data []byte
	err  error
	load func() ([]byte, error)

	gzOnce sync.Once
	gz     []byte
	gzErr  error
	// loadGz, when set, gives the gzip form directly (embedded executors
	// are stored gzipped).
	loadGz func() ([]byte, error)
}

// Gzip returns the binary gzip-compressed, for uploads that travel
// compressed (computed once per run and architecture).
func (e *Executor) Gzip() ([]byte, error) {
	e.gzOnce.Do(func() {
		if e.loadGz != nil {
			e.gz, e.gzErr = e.loadGz()
			return
		}
		data, err := e.Data()
		if err != nil {
			e.gzErr = err
			return
		}
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		if _, err := zw.Write(data); err != nil {
			e.gzErr = err
			return
		}
		e.gzErr = zw.Close()
		e.gz = b.Bytes()
	})
	return e.gz, e.gzErr
}

// Data returns the binary. An embedded executor is decompressed only when a
// host needs an upload: a warm run only needs its SHA.
func (e *Executor) Data() ([]byte, error) {
	e.once.Do(func() {
		if e.load != nil {
			e.data, e.err = e.load()
		}
	})
	return e.data, e.err
}

// Arches are the architectures brine ships executors for.
func Arches() []string { return []string{"amd64", "arm64"} }

// ArchFromUname maps `uname -m` output to a Go arch ("" if unsupported).
func ArchFromUname(m string) string {
	switch strings.TrimSpace(m) {
	case "x86_64", "amd64":
		return "amd64"
	case "aarch64", "arm64", "armv8l":
		return "arm64"
	}
	return ""
}

// Store loads executors once per run; safe for concurrent use.
type Store struct {
	mu    sync.Mutex
	cache map[string]*Executor
	errs  map[string]error
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{cache: map[string]*Executor{}, errs: map[string]error{}}
}

// Get returns the executor for arch, loading or building it on first use.
func (s *Store) Get(ctx context.Context, arch string) (*Executor, error) {
	return s.get(ctx, arch, true)
}

// Ready returns the executors that need no build (embedded or on disk): the
// candidates a host of unknown architecture may already have cached.
func (s *Store) Ready(ctx context.Context) []*Executor {
	var out []*Executor
	for _, a := range Arches() {
		if e, err := s.get(ctx, a, false); err == nil {
			out = append(out, e)
		}
	}
	return out
}

func (s *Store) get(ctx context.Context, arch string, allowBuild bool) (*Executor, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.cache[arch]; ok {
		return e, nil
	}
	if err, ok := s.errs[arch]; ok {
		return nil, err
	}
	e, err := find(arch)
	if err != nil && allowBuild {
		e, err = build(ctx, arch)
	}
	if err != nil {
		if allowBuild {
			s.errs[arch] = err
		}
		return nil, err
	}
	s.cache[arch] = e
	return e, nil
}

// errNotFound means no prebuilt executor exists for an arch.
type errNotFound string

func (e errNotFound) Error() string { return "no prebuilt executor for " + string(e) }

// find looks for a prebuilt executor: in $BRINE_EXEC_DIR, embedded, or
// beside the brine binary.
func find(arch string) (*Executor, error) {
	name := "brine-exec-linux-" + arch
	// An explicit directory wins over what is embedded.
	if d := os.Getenv("BRINE_EXEC_DIR"); d != "" {
		if data, err := os.ReadFile(filepath.Join(d, name)); err == nil {
			return newExecutor(arch, data, filepath.Join(d, name)), nil
		}
	}
	if sha, err := embedded.ReadFile("bin/" + name + ".sha256"); err == nil {
		if _, err := embedded.Open("bin/" + name + ".gz"); err == nil {
			loadGz := func() ([]byte, error) { return embedded.ReadFile("bin/" + name + ".gz") }
			return &Executor{Arch: arch, SHA: strings.TrimSpace(string(sha)), From: "embedded", loadGz: loadGz, load: func() ([]byte, error) {
				gz, err := embedded.ReadFile("bin/" + name + ".gz")
				if err != nil {
					return nil, err
				}
				zr, err := gzip.NewReader(bytes.NewReader(gz))
				if err != nil {
					return nil, fmt.Errorf("embedded %s: %w", name, err)
				}
				return io.ReadAll(zr)
			}}, nil
		}
	}
	var dirs []string
	if exe, err := os.Executable(); err == nil {
		dirs = append(dirs, filepath.Dir(exe))
	}
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if data, err := os.ReadFile(p); err == nil {
			return newExecutor(arch, data, p), nil
		}
	}
	return nil, errNotFound(arch)
}

func newExecutor(arch string, data []byte, from string) *Executor {
	sum := sha256.Sum256(data)
	e := &Executor{Arch: arch, SHA: hex.EncodeToString(sum[:]), From: from, data: data}
	e.once.Do(func() {})
	return e
}

// build compiles the executor from the module source in the working
// directory (a checkout of brine), caching the result in the user cache.
func build(ctx context.Context, arch string) (*Executor, error) {
	name := "brine-exec-linux-" + arch
	hint := fmt.Sprintf("no %s executor: build a release binary with `go generate ./provision/controller/executorbin && go build ./cmd/brine`, "+
		"or put %s beside brine or in $BRINE_EXEC_DIR", arch, name)
	goBin, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("%s", hint)
	}
	mod, err := exec.CommandContext(ctx, goBin, "list", "-m", "-f", "{{.Path}} {{.Dir}}").Output()
	if err != nil {
		return nil, fmt.Errorf("%s", hint)
	}
	f := strings.Fields(string(mod))
	if len(f) != 2 || f[0] != "brine" {
		return nil, fmt.Errorf("%s", hint)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	outDir := filepath.Join(cache, "brine", "exec")
	if err := os.MkdirAll(outDir, 0o700); err != nil {
		return nil, err
	}
	out := filepath.Join(outDir, name)
	args := append(append([]string{"build"}, BuildFlags()...), "-o", out, "./cmd/brine-exec")
	cmd := exec.CommandContext(ctx, goBin, args...)
	cmd.Dir = f[1]
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+arch, "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building %s from %s: %v\n%s", name, f[1], err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return nil, err
	}
	return newExecutor(arch, data, "built from "+f[1]), nil
}
