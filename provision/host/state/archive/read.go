package archive

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
)

// Kind is the type of an archive member.
type Kind int

// Member kinds.
const (
	File Kind = iota
	Dir
	Symlink
	Hardlink
)

// Member is one archive entry, already checked to stay inside the
// destination.
type Member struct {
	Name string // cleaned, relative, slash-separated
	Kind Kind
	Mode fs.FileMode
	Data []byte
	Link string // symlink target, or hardlink source member
}

// safeName cleans a member name and rejects absolute paths and ".."
// components.
func safeName(n string) (string, error) {
	raw := n
	n = strings.TrimPrefix(strings.ReplaceAll(n, "\\", "/"), "./")
	if strings.HasPrefix(n, "/") {
		return "", fmt.Errorf("archive member %q has an absolute path", raw)
	}
	for _, p := range strings.Split(n, "/") {
		if p == ".." {
			return "", fmt.Errorf("archive member %q escapes the destination (..)", raw)
		}
	}
	n = path.Clean(n)
	if n == "." {
		return "", nil
	}
	return n, nil
}

// safeLink rejects a symlink whose target points outside the destination.
func safeLink(name, target string) error {
	if path.IsAbs(target) {
		return fmt.Errorf("archive symlink %q points to the absolute path %q", name, target)
	}
	j := path.Join(path.Dir(name), target)
	if j == ".." || strings.HasPrefix(j, "../") {
		return fmt.Errorf("archive symlink %q -> %q escapes the destination", name, target)
	}
	return nil
}

// Read parses a tar (plain, gzip or bzip2) or zip archive, detected from
// its first bytes.
func Read(data []byte) ([]Member, error) {
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")), bytes.HasPrefix(data, []byte("PK\x05\x06")):
		return readZip(data)
	case bytes.HasPrefix(data, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		return readTar(zr)
	case bytes.HasPrefix(data, []byte("BZh")):
		return readTar(bzip2.NewReader(bytes.NewReader(data)))
	case bytes.HasPrefix(data, []byte{0xfd, '7', 'z', 'X', 'Z'}):
		return nil, fmt.Errorf("xz-compressed archives are not supported (use tar.gz, tar.bz2, tar or zip)")
	}
	return readTar(bytes.NewReader(data))
}

func readTar(r io.Reader) ([]Member, error) {
	tr := tar.NewReader(r)
	var out []Member
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("tar: %w", err)
		}
		name, err := safeName(h.Name)
		if err != nil {
			return nil, err
		}
		if name == "" {
			continue
		}
		m := Member{Name: name, Mode: fs.FileMode(h.Mode) & fs.ModePerm}
		switch h.Typeflag {
		case tar.TypeDir:
			m.Kind = Dir
		case tar.TypeReg, tar.TypeRegA:
			m.Kind = File
			if m.Data, err = io.ReadAll(tr); err != nil {
				return nil, fmt.Errorf("tar member %s: %w", name, err)
			}
		case tar.TypeSymlink:
			m.Kind, m.Link = Symlink, h.Linkname
			if err := safeLink(name, h.Linkname); err != nil {
				return nil, err
			}
		case tar.TypeLink:
			src, err := safeName(h.Linkname)
			if err != nil || src == "" {
				return nil, fmt.Errorf("archive hardlink %q -> %q escapes the destination", name, h.Linkname)
			}
			m.Kind, m.Link = Hardlink, src
		case tar.TypeXGlobalHeader:
			continue
		default:
			return nil, fmt.Errorf("archive member %s has an unsupported type (device, fifo...)", name)
		}
		out = append(out, m)
	}
}

func readZip(data []byte) ([]Member, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("zip: %w", err)
	}
	var out []Member
	for _, f := range zr.File {
		name, err := safeName(f.Name)
		if err != nil {
			return nil, err
		}
		if name == "" {
			continue
		}
		mode := f.Mode()
		m := Member{Name: name, Mode: mode & fs.ModePerm}
		switch {
		case mode.IsDir() || strings.HasSuffix(f.Name, "/"):
			m.Kind = Dir
			if m.Mode == 0 {
				m.Mode = 0o755
			}
		default:
			rc, err := f.Open()
			if err != nil {
				return nil, fmt.Errorf("zip member %s: %w", name, err)
			}
			m.Data, err = io.ReadAll(rc)
			rc.Close()
			if err != nil {
				return nil, fmt.Errorf("zip member %s: %w", name, err)
			}
			if mode&fs.ModeSymlink != 0 {
				m.Kind, m.Link, m.Data = Symlink, string(m.Data), nil
				if err := safeLink(name, m.Link); err != nil {
					return nil, err
				}
			} else if m.Mode == 0 {
				m.Mode = 0o644
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// topLevel returns the single top-level directory of the members, or "".
func topLevel(ms []Member) string {
	top := ""
	for _, m := range ms {
		first := strings.SplitN(m.Name, "/", 2)[0]
		if top == "" {
			top = first
		} else if first != top {
			return ""
		}
		if !strings.Contains(m.Name, "/") && m.Kind != Dir {
			return ""
		}
	}
	return top
}
