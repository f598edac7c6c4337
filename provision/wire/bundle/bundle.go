// Package bundle packs a compiled lowstate and its files into the byte
// stream the executor receives, and unpacks and verifies it on the target.
//
// The format is a gzip-compressed tar with exactly these members:
// "lowstate.json" (the chunks and pillar) and "files/<sha256>" (each file
// once, named by the hash of its content). Anything else is refused, so a
// bundle can never write outside its own namespace.
package bundle

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"brine/provision/wire/lowstate"
)

// MaxSize bounds an unpacked bundle (1 GiB), so a corrupt header cannot make
// the executor allocate without limit.
const MaxSize = 1 << 30

// Packer packs bundles, reusing its compressors: setting up a gzip writer
// costs a megabyte of tables, and a fleet run packs a bundle per host. The
// zero Packer is ready; it is safe for concurrent use.
type Packer struct {
	pool sync.Pool
}

// Pack encodes b and returns the bytes and their hex sha256.
func (p *Packer) Pack(b *lowstate.Bundle) ([]byte, string, error) {
	meta, err := json.Marshal(b)
	if err != nil {
		return nil, "", fmt.Errorf("bundle: encode lowstate: %w", err)
	}
	var buf bytes.Buffer
	zw, _ := p.pool.Get().(*gzip.Writer)
	if zw == nil {
		zw, _ = gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	} else {
		zw.Reset(&buf)
	}
	defer p.pool.Put(zw)
	tw := tar.NewWriter(zw)
	add := func(name string, data []byte) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	if err := add("lowstate.json", meta); err != nil {
		return nil, "", err
	}
	hashes := make([]string, 0, len(b.Files))
	for h := range b.Files {
		hashes = append(hashes, h)
	}
	sort.Strings(hashes)
	for _, h := range hashes {
		if err := add("files/"+h, b.Files[h]); err != nil {
			return nil, "", err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, "", err
	}
	if err := zw.Close(); err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(buf.Bytes())
	return buf.Bytes(), hex.EncodeToString(sum[:]), nil
}

// Hash returns the hex sha256 of data.
func Hash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// Unpack verifies data against wantSHA and decodes it. Member names other
// than lowstate.json and files/<sha256 of the content> are refused.
func Unpack(data []byte, wantSHA string) (*lowstate.Bundle, error) {
	if got := Hash(data); got != wantSHA {
		return nil, fmt.Errorf("bundle hash mismatch: got %s, want %s (corrupted in transit?)", got, wantSHA)
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	tr := tar.NewReader(zr)
	b := &lowstate.Bundle{Files: map[string][]byte{}}
	var total int64
	seenMeta := false
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("bundle: %w", err)
		}
		if h.Typeflag != tar.TypeReg {
			return nil, fmt.Errorf("bundle: member %q is not a regular file", h.Name)
		}
		total += h.Size
		if h.Size < 0 || total > MaxSize {
			return nil, fmt.Errorf("bundle: larger than %d bytes", MaxSize)
		}
		content, err := io.ReadAll(io.LimitReader(tr, h.Size))
		if err != nil {
			return nil, fmt.Errorf("bundle: member %q: %w", h.Name, err)
		}
		switch {
		case h.Name == "lowstate.json":
			if err := json.Unmarshal(content, b); err != nil {
				return nil, fmt.Errorf("bundle: lowstate.json: %w", err)
			}
			seenMeta = true
		case strings.HasPrefix(h.Name, "files/"):
			name := strings.TrimPrefix(h.Name, "files/")
			if !isHexSHA(name) {
				return nil, fmt.Errorf("bundle: member %q: file members must be named by their sha256", h.Name)
			}
			if Hash(content) != name {
				return nil, fmt.Errorf("bundle: member %q: content does not match its hash", h.Name)
			}
			b.Files[name] = content
		default:
			return nil, fmt.Errorf("bundle: unexpected member %q", h.Name)
		}
	}
	if !seenMeta {
		return nil, errors.New("bundle: no lowstate.json")
	}
	if b.Files == nil {
		b.Files = map[string][]byte{}
	}
	return b, nil
}

func isHexSHA(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
