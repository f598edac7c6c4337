package history

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// Root is one directory of the state tree.
type Root struct {
	// Kind is "file" (file_roots) or "pillar" (pillar_roots).
	Kind string
	// Env is the saltenv the directory serves.
	Env string
	// Dir is the directory.
	Dir string
}

// vcsDirs are never part of a tree's inputs.
var vcsDirs = map[string]bool{".git": true, ".hg": true, ".svn": true}

// TreeHash identifies a state tree's inputs: the sha256 over, for each
// root in order, its kind and saltenv, then for every regular file under it
// (symlinks followed, as Salt's roots fileserver does; .git, .hg and .svn
// skipped) its path relative to the root and the sha256 of its content;
// then each of extra (the run's saltenv and pillar= override). Absolute
// paths are not in it, so the same tree checked out anywhere hashes alike;
// grains, the roster and the rest of brine.yaml are not in it either.
func TreeHash(roots []Root, extra ...string) (string, error) {
	h := sha256.New()
	for _, r := range roots {
		fmt.Fprintf(h, "root\x00%s\x00%s\n", r.Kind, r.Env)
		files := map[string]string{}
		if err := hashDir(r.Dir, "", map[string]bool{}, files); err != nil {
			if os.IsNotExist(err) && r.Kind == "pillar" {
				fmt.Fprintf(h, "missing\n")
				continue
			}
			return "", fmt.Errorf("tree hash: %w", err)
		}
		rels := make([]string, 0, len(files))
		for rel := range files {
			rels = append(rels, rel)
		}
		sort.Strings(rels)
		for _, rel := range rels {
			fmt.Fprintf(h, "file\x00%s\x00%s\n", rel, files[rel])
		}
	}
	for _, e := range extra {
		fmt.Fprintf(h, "extra\x00%d\x00%s\n", len(e), e)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// hashDir adds the sha256 of every file under dir to files, keyed by its
// slash path below the root; seen holds the real paths of the directories
// on the way down, so a symlink loop ends.
func hashDir(dir, rel string, seen map[string]bool, files map[string]string) error {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return err
	}
	if seen[real] {
		return nil
	}
	seen[real] = true
	defer delete(seen, real)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		r := e.Name()
		if rel != "" {
			r = rel + "/" + e.Name()
		}
		fi, err := os.Stat(p) // follows symlinks
		if err != nil {
			continue // a dangling link is no input
		}
		switch {
		case fi.IsDir():
			if vcsDirs[e.Name()] {
				continue
			}
			if err := hashDir(p, r, seen, files); err != nil {
				return err
			}
		case fi.Mode().IsRegular():
			sum, err := hashFile(p)
			if err != nil {
				return err
			}
			files[r] = sum
		}
	}
	return nil
}

func hashFile(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", p, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
