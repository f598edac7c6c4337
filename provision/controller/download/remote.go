// Package download downloads the http(s) sources of states on the controller
// (file.managed and cmd.script sources, archive.extracted archives, pkgrepo
// key_url), so the executor on a host needs no HTTP client, no CA store and
// no egress. A URL is downloaded once per Fetcher (one brine run) however
// many hosts use it, checked against the state's source_hash, and kept in a
// content-addressed cache on disk, so a later run that knows the hash
// downloads nothing and a dry run can predict from what an earlier run saw.
package download

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"brine/provision/lib/atomicfile"
	"brine/provision/lib/sourcehash"
)

// Timeout bounds one download (connect, headers and body).
const Timeout = 2 * time.Minute

// MaxSize bounds one download (1 GiB, the bundle's own bound).
const MaxSize = 1 << 30

// Request is one source to get.
type Request struct {
	URL string
	// Want is the digest the content must have (nil: skip_verify, key_url).
	Want *sourcehash.Sum
	// Insecure skips TLS certificate checks (Salt's verify_ssl: False).
	Insecure bool
}

// Fetcher downloads and caches remote sources; safe for concurrent use.
type Fetcher struct {
	dir     string // disk cache; "" keeps nothing between runs
	timeout time.Duration
	maxSize int64
	clients [2]*http.Client // [0] verifies certificates, [1] does not

	mu    sync.Mutex
	calls map[string]*call // URL (+insecure) -> this run's download
}

// call is one download shared by every host that asks for the same URL.
type call struct {
	done chan struct{}
	data []byte
	err  error
}

// New returns a Fetcher caching under dir ("" for no disk cache).
func New(dir string) *Fetcher {
	return newFetcher(dir, Timeout, MaxSize)
}

func newFetcher(dir string, timeout time.Duration, max int64) *Fetcher {
	f := &Fetcher{dir: dir, timeout: timeout, maxSize: max, calls: map[string]*call{}}
	for i := range f.clients {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.Proxy = http.ProxyFromEnvironment
		if i == 1 {
			tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
		}
		f.clients[i] = &http.Client{Transport: tr}
	}
	return f
}

// Redact hides the password of a URL's user info (Salt's
// redact_http_basic_auth), for every message that names a URL.
func Redact(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.User == nil {
		return u
	}
	return p.Redacted()
}

// Supported reports whether u is a URL Fetcher downloads (http or https).
func Supported(u string) bool {
	s := strings.ToLower(u)
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// Get returns the content of req.URL. With req.Want, a cached copy with that
// digest is returned without a download, and a download without it is a
// *sourcehash.MismatchError. Otherwise the URL is downloaded once in the
// Fetcher's life (later calls, and concurrent ones, share that download and
// its error). Errors are worded as Salt's file client words them.
func (f *Fetcher) Get(ctx context.Context, req Request) ([]byte, error) {
	if req.Want != nil {
		if b, ok := f.Cached(req); ok {
			return b, nil
		}
	}
	key := req.URL
	if req.Insecure {
		key += "\x00insecure"
	}
	f.mu.Lock()
	cl, ok := f.calls[key]
	if !ok {
		cl = &call{done: make(chan struct{})}
		f.calls[key] = cl
		// The download belongs to the run, not to the first host that asked:
		// it outlives that host's context (bounded by f.timeout), so a host
		// that gives up does not fail the others.
		go func() {
			defer close(cl.done)
			cl.data, cl.err = f.download(context.WithoutCancel(ctx), req)
			if cl.err == nil {
				f.store(req.URL, cl.data)
			}
		}()
	}
	f.mu.Unlock()
	select {
	case <-cl.done:
	case <-ctx.Done():
		return nil, fmt.Errorf("Error: %w reading %s", ctx.Err(), Redact(req.URL))
	}
	if cl.err != nil {
		return nil, cl.err
	}
	if req.Want != nil {
		if err := sourcehash.Check(Redact(req.URL), cl.data, *req.Want); err != nil {
			return nil, err
		}
	}
	return cl.data, nil
}

// Cached returns content for req without touching the network: this run's
// download, or the disk cache (by digest when req.Want is a sha256, else the
// last download of the URL). With req.Want the content must have that digest.
func (f *Fetcher) Cached(req Request) ([]byte, bool) {
	ok := func(b []byte) bool { return req.Want == nil || req.Want.Matches(b) }
	f.mu.Lock()
	cl := f.calls[req.URL]
	f.mu.Unlock()
	if cl != nil {
		select {
		case <-cl.done:
			if cl.err == nil && ok(cl.data) {
				return cl.data, true
			}
		default:
		}
	}
	if f.dir == "" {
		return nil, false
	}
	if req.Want != nil && req.Want.Type == "sha256" {
		if b, found := f.blob(req.Want.Hex); found {
			return b, true
		}
	}
	last, err := atomicfile.Read(f.indexPath(req.URL))
	if err != nil {
		return nil, false
	}
	b, found := f.blob(strings.TrimSpace(string(last)))
	if !found || !ok(b) {
		return nil, false
	}
	return b, true
}

// download does one GET, bounded by f.timeout and f.maxSize.
func (f *Fetcher) download(ctx context.Context, req Request) ([]byte, error) {
	shown := Redact(req.URL)
	if !Supported(req.URL) {
		scheme, _, _ := strings.Cut(req.URL, "://")
		return nil, fmt.Errorf("Error: unsupported protocol %q reading %s: brine downloads http:// and https:// sources (or ship the file in the state tree as salt://)", scheme, shown)
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, http.MethodGet, req.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("Error: %v reading %s", err, shown)
	}
	hr.Header.Set("User-Agent", "brine")
	client := f.clients[0]
	if req.Insecure {
		client = f.clients[1]
	}
	resp, err := client.Do(hr)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("Error: timed out after %s reading %s", f.timeout, shown)
		}
		return nil, fmt.Errorf("Error: %v reading %s", err, shown)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("Error: HTTP %d: %s reading %s", resp.StatusCode, http.StatusText(resp.StatusCode), shown)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, f.maxSize+1))
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("Error: timed out after %s reading %s", f.timeout, shown)
		}
		return nil, fmt.Errorf("Error: %v reading %s", err, shown)
	}
	if int64(len(b)) > f.maxSize {
		return nil, fmt.Errorf("Error: larger than %d bytes reading %s", f.maxSize, shown)
	}
	return b, nil
}

// Disk layout: blobs/<sha256 of content> and urls/<sha256 of URL> holding
// the sha256 of the URL's last download.
func (f *Fetcher) blobPath(sum string) string { return filepath.Join(f.dir, "blobs", sum) }

func (f *Fetcher) indexPath(u string) string {
	s := sha256.Sum256([]byte(u))
	return filepath.Join(f.dir, "urls", hex.EncodeToString(s[:]))
}

// blob reads a cached content file, checking it against its name.
func (f *Fetcher) blob(sum string) ([]byte, bool) {
	if len(sum) != 64 || strings.ContainsAny(sum, "/.") {
		return nil, false
	}
	b, err := atomicfile.Read(f.blobPath(sum))
	if err != nil {
		return nil, false
	}
	got := sha256.Sum256(b)
	if hex.EncodeToString(got[:]) != sum {
		return nil, false
	}
	return b, true
}

// store records a download on disk. The cache only saves downloads, so a
// failure to write it is not an error of the run.
func (f *Fetcher) store(u string, data []byte) {
	if f.dir == "" {
		return
	}
	s := sha256.Sum256(data)
	sum := hex.EncodeToString(s[:])
	if _, found := f.blob(sum); !found {
		if writeAtomic(f.blobPath(sum), data) != nil {
			return
		}
	}
	_ = writeAtomic(f.indexPath(u), []byte(sum+"\n"))
}

// writeAtomic writes data to p through a temp file and a rename (mode 0600,
// directories 0700: the cache may hold private downloads). Entries are read
// back without following symlinks (atomicfile.Read).
func writeAtomic(p string, data []byte) error {
	if err := atomicfile.PrivateDir(filepath.Dir(p)); err != nil {
		return err
	}
	return atomicfile.Write(p, data, 0o600)
}
