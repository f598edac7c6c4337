package download

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"brine/provision/lib/sourcehash"
)

// server serves /file (after an optional delay), /slow (never answers in
// time) and 404 for anything else, counting requests per path.
func server(t *testing.T, body string, delay time.Duration) (*httptest.Server, *sync.Map) {
	t.Helper()
	var hits sync.Map
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := hits.LoadOrStore(r.URL.Path, new(atomic.Int64))
		n.(*atomic.Int64).Add(1)
		switch r.URL.Path {
		case "/file":
			time.Sleep(delay)
			w.Write([]byte(body))
		case "/slow":
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func count(hits *sync.Map, p string) int64 {
	n, ok := hits.Load(p)
	if !ok {
		return 0
	}
	return n.(*atomic.Int64).Load()
}

func sum(t *testing.T, data string) *sourcehash.Sum {
	t.Helper()
	s := sourcehash.Sum{Type: "sha256"}
	s.Hex = s.Of([]byte(data))
	return &s
}

func TestOneDownloadForManyHosts(t *testing.T) {
	srv, hits := server(t, "payload", 50*time.Millisecond)
	f := New(t.TempDir())
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := f.Get(context.Background(), Request{URL: srv.URL + "/file", Want: sum(t, "payload")})
			if err == nil && string(b) != "payload" {
				err = errors.New("wrong content " + string(b))
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := count(hits, "/file"); n != 1 {
		t.Fatalf("100 hosts caused %d downloads, want 1", n)
	}
}

func TestDiskCacheAcrossRuns(t *testing.T) {
	srv, hits := server(t, "payload", 0)
	dir := t.TempDir()
	req := Request{URL: srv.URL + "/file", Want: sum(t, "payload")}
	if _, err := New(dir).Get(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	// A later run that knows the hash downloads nothing.
	b, err := New(dir).Get(context.Background(), req)
	if err != nil || string(b) != "payload" {
		t.Fatalf("%q %v", b, err)
	}
	if n := count(hits, "/file"); n != 1 {
		t.Fatalf("second run downloaded again (%d downloads)", n)
	}
	// Without a hash (skip_verify, key_url) a run downloads once more...
	if _, err := New(dir).Get(context.Background(), Request{URL: srv.URL + "/file"}); err != nil {
		t.Fatal(err)
	}
	if n := count(hits, "/file"); n != 2 {
		t.Fatalf("a run without a hash used the cache (%d downloads)", n)
	}
	// ...and a dry run reads the last download without the network.
	cb, ok := New(dir).Cached(Request{URL: srv.URL + "/file"})
	if !ok || string(cb) != "payload" {
		t.Fatalf("Cached = %q %v", cb, ok)
	}
	if _, ok := New(dir).Cached(Request{URL: srv.URL + "/file", Want: sum(t, "other")}); ok {
		t.Fatal("Cached returned content that does not match the wanted hash")
	}
	if _, ok := New("").Cached(req); ok {
		t.Fatal("a Fetcher without a cache dir found something")
	}
}

func TestErrorsNameTheURL(t *testing.T) {
	srv, hits := server(t, "payload", 0)
	f := newFetcher("", 200*time.Millisecond, 4)
	ctx := context.Background()
	for _, tc := range []struct{ url, want string }{
		{srv.URL + "/missing", "Error: HTTP 404: Not Found reading " + srv.URL + "/missing"},
		{srv.URL + "/slow", "Error: timed out after 200ms reading " + srv.URL + "/slow"},
		{srv.URL + "/file", "Error: larger than 4 bytes reading " + srv.URL + "/file"},
		{"ftp://example.invalid/x.tgz", `Error: unsupported protocol "ftp" reading ftp://example.invalid/x.tgz`},
		{"http://127.0.0.1:1/x", "connection refused reading http://127.0.0.1:1/x"},
	} {
		_, err := f.Get(ctx, Request{URL: tc.url})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want %q", tc.url, err, tc.want)
		}
	}
	// A failure is the run's answer for that URL: not retried per host.
	f.Get(ctx, Request{URL: srv.URL + "/missing"})
	if n := count(hits, "/missing"); n != 1 {
		t.Errorf("404 fetched %d times", n)
	}
	// A wrong hash is Salt's mismatch message.
	_, err := New("").Get(ctx, Request{URL: srv.URL + "/file", Want: sum(t, "other")})
	var me *sourcehash.MismatchError
	if !errors.As(err, &me) || !strings.Contains(err.Error(), "Specified sha256 checksum for "+srv.URL+"/file") {
		t.Errorf("mismatch: %v", err)
	}
}

func TestRedact(t *testing.T) {
	if got := Redact("https://bob:s3cret@h/x"); strings.Contains(got, "s3cret") || !strings.Contains(got, "bob") {
		t.Errorf("Redact = %s", got)
	}
	_, err := New("").Get(context.Background(), Request{URL: "http://bob:s3cret@127.0.0.1:1/x"})
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("password in error: %v", err)
	}
}

func TestCancelledHostDoesNotFailOthers(t *testing.T) {
	srv, _ := server(t, "payload", 200*time.Millisecond)
	f := New("")
	first, cancel := context.WithCancel(context.Background())
	res := make(chan error, 1)
	go func() {
		_, err := f.Get(first, Request{URL: srv.URL + "/file"})
		res <- err
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()
	if err := <-res; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled host: %v", err)
	}
	b, err := f.Get(context.Background(), Request{URL: srv.URL + "/file"})
	if err != nil || string(b) != "payload" {
		t.Fatalf("other host: %q %v", b, err)
	}
}
