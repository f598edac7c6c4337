package modules

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"brine/provision/host/state"
	"brine/provision/lib/shlex"
	"brine/provision/wire/funcs"
)

// archiveFuncs are salt/modules/archive.py's: tar, gzip and gunzip run
// their commands as Salt does; zip, unzip and list do what Salt does with
// Python's zipfile and tarfile, with Go's archive packages (the zip is
// written to a temp file and renamed into place).
func archiveFuncs() map[string]fn {
	return map[string]fn{
		"archive.tar": {run: archiveTar},
		"archive.gzip": {run: func(c *call) (any, error) {
			return c.archiveCmd("gzip", c.a["options"], c.str("sourcefile"), "")
		}},
		"archive.gunzip": {run: func(c *call) (any, error) {
			return c.archiveCmd("gunzip", c.a["options"], c.str("gzipfile"), "")
		}},
		"archive.zip":   {run: archiveZip},
		"archive.unzip": {run: archiveUnzip},
		"archive.list":  {run: archiveList},
		"archive.cmd_zip": {run: func(c *call) (any, error) {
			if err := c.needBin("zip"); err != nil {
				return nil, err
			}
			cmd := []any{"zip", "-r", c.str("zip_file")}
			for _, s := range c.expandSources(c.a["sources"]) {
				cmd = append(cmd, s)
			}
			return c.runLines(cmd, c.a["cwd"])
		}},
		"archive.cmd_unzip": {run: archiveCmdUnzip},
	}
}

// refuseTemplate refuses the template argument (rendering a command's
// arguments on the host needs the renderers, which stay on the
// controller).
func (c *call) refuseTemplate() error {
	if c.truth("template") {
		return funcs.Raise("CommandExecutionError", "brine does not render %s's arguments on the host (template=%s): render them in the state or on the command line", c.fun, c.str("template"))
	}
	return nil
}

// runLines is cmd.run(cmd, cwd=cwd, runas=runas, python_shell=False).splitlines().
func (c *call) runLines(cmd []any, cwd any) (any, error) {
	if err := c.refuseTemplate(); err != nil {
		return nil, err
	}
	kw := map[string]any{"python_shell": false, "cwd": cwd, "runas": c.a["runas"]}
	out, err := c.salt("cmd.run", []any{cmd}, kw)
	if err != nil {
		return nil, err
	}
	return anyList(pySplitlines(pyStr(out))), nil
}

func (c *call) archiveCmd(bin string, options any, file, cwd string) (any, error) {
	if err := c.needBin(bin); err != nil {
		return nil, err
	}
	cmd := []any{bin}
	if truthy(options) {
		cmd = append(cmd, options)
	}
	return c.runLines(append(cmd, file), nil)
}

// expandSources is archive._expand_sources: a comma-separated string or a
// list, each globbed when it has wildcards.
func (c *call) expandSources(v any) []string {
	var srcs []string
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		for _, s := range strings.Split(x, ",") {
			srcs = append(srcs, strings.TrimSpace(s))
		}
	case []any:
		srcs = stringList(x)
	default:
		srcs = []string{pyStr(x)}
	}
	var out []string
	for _, s := range srcs {
		if !strings.ContainsAny(s, "*?[") {
			out = append(out, s)
			continue
		}
		out = append(out, c.glob(s)...)
	}
	return out
}

// glob is Python's glob.glob (relative patterns against the executor's
// directory; hidden files only when the pattern says so).
func (c *call) glob(pattern string) []string {
	if !strings.HasPrefix(pattern, "/") {
		// relative to the executor's working directory, as Python's
		m, _ := filepath.Glob(pattern)
		return m
	}
	m, _ := filepath.Glob(c.host(pattern))
	out := []string{}
	for _, p := range m {
		if strings.HasPrefix(path.Base(p), ".") && !strings.HasPrefix(path.Base(pattern), ".") {
			continue
		}
		out = append(out, c.unroot(p))
	}
	return out
}

func archiveTar(c *call) (any, error) {
	if err := c.needBin("tar"); err != nil {
		return nil, err
	}
	if !c.truth("options") {
		return nil, funcs.Raise("SaltInvocationError", "Tar options can not be empty")
	}
	cmd := []any{"tar"}
	for _, o := range strings.Fields(c.str("options")) {
		cmd = append(cmd, o)
	}
	cmd = append(cmd, c.str("tarfile"))
	for _, s := range c.expandSources(c.a["sources"]) {
		cmd = append(cmd, s)
	}
	if c.truth("dest") {
		cmd = append(cmd, "-C", c.str("dest"))
	}
	return c.runLines(cmd, c.a["cwd"])
}

// trimFiles is archive._trim_files.
func trimFiles(files []string, trim any) []any {
	count := 100
	if _, isBool := trim.(bool); !isBool {
		if n, err := pyInt(trim); err == nil {
			count = n
		}
	}
	if trim != false && len(files) > count {
		files = append(files[:count:count], "List trimmed after "+pyStr(count)+" files.")
	}
	return anyList(files)
}

// relpath is os.path.relpath for absolute paths.
func relpath(p, start string) string {
	r, err := filepath.Rel(start, p)
	if err != nil {
		return p
	}
	return r
}

func archiveZip(c *call) (any, error) {
	if err := c.refuseTemplate(); err != nil {
		return nil, err
	}
	uid, gid := -1, -1
	if c.truth("runas") {
		info := c.userInfoMap(c.str("runas"))
		if len(info) == 0 {
			return nil, funcs.Raise("SaltInvocationError", "User '%s' does not exist", c.str("runas"))
		}
		uid, gid = intOf(info["uid"]), intOf(info["gid"])
	}
	zipFile := c.str("zip_file")
	sources := c.expandSources(c.a["sources"])
	cwd := c.str("cwd")
	if cwd == "" {
		for _, s := range sources {
			if !strings.HasPrefix(s, "/") {
				return nil, funcs.Raise("SaltInvocationError", "Relative paths require the 'cwd' parameter")
			}
		}
	} else if !strings.HasPrefix(cwd, "/") {
		return nil, funcs.Raise("SaltInvocationError", "cwd must be absolute")
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	archived := []string{}
	add := func(src, arc string, fi os.FileInfo) error {
		h, err := zip.FileInfoHeader(fi)
		if err != nil {
			return err
		}
		h.Name = arc
		if fi.IsDir() {
			h.Name += "/"
			h.Method = zip.Store
			_, err = zw.CreateHeader(h)
			return err
		}
		h.Method = zip.Deflate
		w, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(c.host(src))
		if err != nil {
			return pyOSError(err, src)
		}
		_, err = w.Write(data)
		return err
	}
	var failed error
	for _, src := range sources {
		if cwd != "" {
			src = pyJoin(cwd, src)
		}
		fi, err := os.Stat(c.host(src))
		if err != nil {
			continue
		}
		relRoot := "/"
		if !fi.IsDir() {
			arc := relpath(src, relRoot)
			if cwd != "" && strings.HasPrefix(src, cwd) {
				arc = relpath(src, cwd)
			}
			archived = append(archived, arc)
			if failed = add(src, arc, fi); failed != nil {
				break
			}
			continue
		}
		failed = c.walk(src, func(dir string, files []string) error {
			arcDir := relpath(dir, relRoot)
			if cwd != "" && strings.HasPrefix(dir, cwd) {
				arcDir = relpath(dir, cwd)
			}
			if arcDir != "" {
				archived = append(archived, arcDir+"/")
				dfi, err := os.Stat(c.host(dir))
				if err != nil {
					return pyOSError(err, dir)
				}
				if err := add(dir, arcDir, dfi); err != nil {
					return err
				}
			}
			for _, f := range files {
				abs, arc := pyJoin(dir, f), pyJoin(arcDir, f)
				archived = append(archived, arc)
				ffi, err := os.Stat(c.host(abs))
				if err != nil {
					return pyOSError(err, abs)
				}
				if err := add(abs, arc, ffi); err != nil {
					return err
				}
			}
			return nil
		})
		if failed != nil {
			break
		}
	}
	if err := zw.Close(); err != nil && failed == nil {
		failed = err
	}
	if failed != nil {
		return nil, funcs.Raise("CommandExecutionError", "Exception encountered creating zipfile: %s", failed)
	}
	if err := state.WriteFile(c.env.stateEnv(), zipFile, buf.Bytes(), 0, uid, gid); err != nil {
		return nil, funcs.Raise("CommandExecutionError", "Exception encountered creating zipfile: %s", pyOSError(err, zipFile))
	}
	return anyList(archived), nil
}

// walk is os.walk top-down: each directory with its non-directory
// entries (symlinks to directories are listed as files and not followed,
// as os.walk lists them among dirs but does not descend; zipfile then
// stores what they point to).
func (c *call) walk(dir string, visit func(dir string, files []string) error) error {
	ents, err := os.ReadDir(c.host(dir))
	if err != nil {
		return nil
	}
	var files, dirs []string
	for _, e := range ents {
		isDir := e.IsDir()
		if e.Type()&fs.ModeSymlink != 0 {
			if fi, err := os.Stat(c.host(pyJoin(dir, e.Name()))); err == nil && fi.IsDir() {
				continue
			}
		}
		if isDir {
			dirs = append(dirs, e.Name())
		} else {
			files = append(files, e.Name())
		}
	}
	if err := visit(dir, files); err != nil {
		return err
	}
	for _, d := range dirs {
		if err := c.walk(pyJoin(dir, d), visit); err != nil {
			return err
		}
	}
	return nil
}

// zipTarget is zipfile's _extract_member path: the member name without a
// leading slash, "." or ".." components, under dest.
func zipTarget(dest, name string) string {
	var parts []string
	for _, p := range strings.Split(name, "/") {
		if p != "" && p != "." && p != ".." {
			parts = append(parts, p)
		}
	}
	return pyJoin(dest, strings.Join(parts, "/"))
}

func archiveUnzip(c *call) (any, error) {
	if err := c.refuseTemplate(); err != nil {
		return nil, err
	}
	uid, gid := -1, -1
	if c.truth("runas") {
		info := c.userInfoMap(c.str("runas"))
		if len(info) == 0 {
			return nil, funcs.Raise("SaltInvocationError", "User '%s' does not exist", c.str("runas"))
		}
		uid, gid = intOf(info["uid"]), intOf(info["gid"])
	}
	zipFile, dest := c.str("zip_file"), c.str("dest")
	fail := func(err error) (any, error) {
		return nil, funcs.Raise("CommandExecutionError", "Exception encountered unpacking zipfile: %s", err)
	}
	zr, err := zip.OpenReader(c.host(zipFile))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fail(pyOSError(err, zipFile))
		}
		return fail(errors.New("File is not a zip file"))
	}
	defer zr.Close()
	var excludes []string
	switch x := c.a["excludes"].(type) {
	case string:
		for _, s := range strings.Split(x, ",") {
			excludes = append(excludes, strings.TrimSpace(s))
		}
	case nil:
	default:
		excludes = stringList(x)
	}
	if c.truth("password") {
		return nil, funcs.Raise("CommandExecutionError", "brine cannot decrypt password-protected ZIP files (archive.unzip password=): use archive.cmd_unzip")
	}
	var cleaned []string
	for _, f := range zr.File {
		if slices.Contains(excludes, f.Name) {
			continue
		}
		cleaned = append(cleaned, f.Name)
	}
	umask := syscall.Umask(0)
	syscall.Umask(umask)
	for _, f := range zr.File {
		if slices.Contains(excludes, f.Name) {
			continue
		}
		target := zipTarget(dest, f.Name)
		mode := f.ExternalAttrs >> 16
		if mode&syscall.S_IFMT == syscall.S_IFLNK {
			rc, err := f.Open()
			if err != nil {
				return fail(err)
			}
			link, _ := io.ReadAll(rc)
			rc.Close()
			if err := os.Symlink(string(link), c.host(pyJoin(dest, f.Name))); err != nil {
				return fail(pyOSError(err, pyJoin(dest, f.Name)))
			}
			continue
		}
		if err := os.MkdirAll(c.host(path.Dir(target)), 0o777); err != nil {
			return fail(pyOSError(err, path.Dir(target)))
		}
		if strings.HasSuffix(f.Name, "/") {
			if err := os.Mkdir(c.host(target), 0o777); err != nil && !errors.Is(err, fs.ErrExist) {
				return fail(pyOSError(err, target))
			}
		} else {
			rc, err := f.Open()
			if err != nil {
				return fail(err)
			}
			data, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				return fail(err)
			}
			if err := state.WriteFile(c.env.stateEnv(), target, data, fs.FileMode(0o666&^umask), uid, gid); err != nil {
				return fail(pyOSError(err, target))
			}
		}
		if c.a["extract_perms"] != false {
			perm := mode & 0o7777
			if mode == 0 {
				perm = uint32(0o666 &^ umask)
				if strings.HasSuffix(f.Name, "/") {
					perm = uint32(0o777 &^ umask)
				}
			}
			os.Chmod(c.host(pyJoin(dest, f.Name)), fs.FileMode(perm))
		}
		if uid >= 0 {
			os.Lchown(c.host(target), uid, gid)
		}
	}
	return trimFiles(cleaned, c.a["trim_output"]), nil
}

func archiveCmdUnzip(c *call) (any, error) {
	if err := c.needBin("unzip"); err != nil {
		return nil, err
	}
	if err := c.refuseTemplate(); err != nil {
		return nil, err
	}
	var excludes []string
	hasEx := c.a["excludes"] != nil
	switch x := c.a["excludes"].(type) {
	case string:
		for _, s := range strings.Split(x, ",") {
			excludes = append(excludes, strings.TrimSpace(s))
		}
	case nil:
	default:
		excludes = stringList(x)
	}
	cmd := []any{"unzip"}
	if c.truth("password") {
		cmd = append(cmd, "-P", c.a["password"])
	}
	if c.truth("options") {
		words, err := shlex.Split(c.str("options"))
		if err != nil {
			return nil, err
		}
		for _, w := range words {
			cmd = append(cmd, w)
		}
	}
	cmd = append(cmd, c.str("zip_file"), "-d", c.str("dest"))
	if hasEx {
		cmd = append(cmd, "-x")
		for _, e := range excludes {
			cmd = append(cmd, e)
		}
	}
	lvl := "debug"
	if c.truth("password") {
		lvl = "quiet"
	}
	v, err := c.salt("cmd.run_all", []any{cmd}, map[string]any{"runas": c.a["runas"], "python_shell": false, "redirect_stderr": true, "output_loglevel": lvl})
	if err != nil {
		return nil, err
	}
	r := v.(map[string]any)
	if r["retcode"] != 0 {
		return nil, funcs.Raise("CommandExecutionError", "%s", pyStr(r["stdout"]))
	}
	return trimFiles(pySplitlines(pyStr(r["stdout"])), c.a["trim_output"]), nil
}

// guessArchiveType is salt.utils.files.guess_archive_type.
func guessArchiveType(name string) string {
	name = strings.ToLower(name)
	for _, e := range []string{"tar", "tar.gz", "tgz", "tar.bz2", "tbz2", "tbz", "tar.xz", "txz", "tar.lzma", "tlz"} {
		if strings.HasSuffix(name, "."+e) {
			return "tar"
		}
	}
	for _, e := range []string{"zip", "rar"} {
		if strings.HasSuffix(name, "."+e) {
			return e
		}
	}
	return ""
}

func archiveList(c *call) (any, error) {
	name := c.str("name")
	cachedV, err := c.salt("cp.cache_file", []any{name, c.a["saltenv"]}, nil)
	if err != nil {
		return nil, err
	}
	if !truthy(cachedV) {
		return nil, funcs.Raise("CommandExecutionError", "Failed to cache %s", name)
	}
	cached := pyStr(cachedV)
	ret, err := c.archiveListCached(name, cached)
	var ex *funcs.Exception
	if errors.As(err, &ex) && ex.Type == "CommandExecutionError" {
		// re-raised with the cached path in its info, as Salt's
		info, _ := ex.Info.(map[string]any)
		if info == nil {
			info = map[string]any{}
		}
		info["archive location"] = cached
		ex.Info = info
	}
	return ret, err
}

func (c *call) archiveListCached(name, cached string) (any, error) {
	var err error
	strip := 0
	if c.truth("strip_components") {
		n, err := pyInt(c.a["strip_components"])
		if err != nil {
			n = -1
		}
		if n <= 0 {
			return nil, funcs.Raise("CommandExecutionError", "'strip_components' must be a positive integer")
		}
		strip = n
	}
	p := urlPathOrNetloc(name)
	format := c.str("archive_format")
	if format == "" {
		format = guessArchiveType(p)
		if format == "" {
			return nil, funcs.Raise("CommandExecutionError", "Unable to guess archive format, please pass an 'archive_format' argument.")
		}
	}
	var dirs, files, links []string
	switch format {
	case "tar":
		dirs, files, links, err = c.listTar(name, cached)
	case "zip":
		dirs, files, links, err = c.listZip(name, cached)
	case "rar":
		return nil, funcs.Raise("CommandExecutionError", "rar command not available, is it installed?")
	default:
		return nil, funcs.Raise("CommandExecutionError", "Unsupported archive format '%s'", format)
	}
	if err != nil {
		return nil, err
	}
	if c.truth("clean") {
		os.Remove(c.host(cached))
	}
	if strip > 0 {
		for _, item := range []*[]string{&dirs, &files, &links} {
			var kept []string
			for _, x := range *item {
				parts := strings.SplitN(x, "/", strip+1)
				if len(parts) > strip && parts[strip] != "" {
					kept = append(kept, parts[strip])
				}
			}
			slices.Sort(kept)
			*item = kept
		}
	}
	if c.truth("verbose") {
		slices.Sort(dirs)
		slices.Sort(files)
		slices.Sort(links)
		top := []string{}
		for _, d := range dirs {
			if strings.Count(d, "/") == 1 {
				top = append(top, d)
			}
		}
		prefix := commonPrefix(dirs)
		if strings.Contains(prefix, "/") {
			prefix = strings.Split(prefix, "/")[0] + "/"
			if !slices.Contains(top, prefix) {
				top = append(top, prefix)
			}
		}
		topOf := func(l []string) []any {
			out := []any{}
			for _, x := range l {
				if !strings.Contains(x, "/") {
					out = append(out, x)
				}
			}
			return out
		}
		return map[string]any{"dirs": anyList(dirs), "files": anyList(files), "links": anyList(links),
			"top_level_dirs": anyList(top), "top_level_files": topOf(files), "top_level_links": topOf(links)}, nil
	}
	all := append(append(append([]string{}, dirs...), files...), links...)
	slices.Sort(all)
	return anyList(all), nil
}

// commonPrefix is os.path.commonprefix.
func commonPrefix(l []string) string {
	if len(l) == 0 {
		return ""
	}
	lo, hi := slices.Min(l), slices.Max(l)
	i := 0
	for i < len(lo) && i < len(hi) && lo[i] == hi[i] {
		i++
	}
	return lo[:i]
}

// listTar is archive.list's _list_tar: Python's tarfile reads plain,
// gzip and bzip2 tars; an xz one is piped through xz as Salt does when
// tarfile cannot read it.
func (c *call) listTar(name, cached string) (dirs, files, links []string, err error) {
	data, rerr := os.ReadFile(c.host(cached))
	if rerr != nil {
		return nil, nil, nil, funcs.Raise("CommandExecutionError", "Failed to list contents of %s: %s", name, pyOSError(rerr, cached))
	}
	var r io.Reader = bytes.NewReader(data)
	switch {
	case bytes.HasPrefix(data, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, nil, nil, c.tarUnreadable(name)
		}
		r = zr
	case bytes.HasPrefix(data, []byte("BZh")):
		r = bzip2.NewReader(r)
	case bytes.HasPrefix(data, []byte{0xfd, '7', 'z', 'X', 'Z'}):
		if c.whichPath("xz") == "" {
			return nil, nil, nil, c.tarUnreadable(name)
		}
		res := c.command(nil, "", true, "xz", "--decompress", "--stdout", c.host(cached))
		if res.Retcode != 0 {
			return nil, nil, nil, &funcs.Exception{Type: "CommandExecutionError", Msg: "Failed to decompress " + name, Info: map[string]any{"error": res.Stderr}}
		}
		r = strings.NewReader(res.Stdout)
	}
	tr := tar.NewReader(r)
	n := 0
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if n == 0 {
				return nil, nil, nil, c.tarUnreadable(name)
			}
			break
		}
		n++
		mname := h.Name
		switch h.Typeflag {
		case tar.TypeSymlink:
			links = append(links, mname)
		case tar.TypeDir:
			dirs = append(dirs, strings.TrimRight(mname, "/")+"/")
		case tar.TypeXGlobalHeader:
		default:
			if h.Typeflag == tar.TypeRegA && strings.HasSuffix(mname, "/") {
				dirs = append(dirs, strings.TrimRight(mname, "/")+"/")
				continue
			}
			files = append(files, mname)
		}
	}
	return dirs, files, links, nil
}

func (c *call) tarUnreadable(name string) error {
	if c.whichPath("tar") == "" {
		return funcs.Raise("CommandExecutionError", "'tar' command not available")
	}
	return funcs.Raise("CommandExecutionError", "Unable to list contents of %s. If this is an XZ-compressed tar archive, install XZ Utils to enable listing its contents. If it is compressed using something other than XZ, it may be necessary to specify CLI options to decompress the archive. See the documentation for details.", name)
}

// listZip is archive.list's _list_zip: directories by mode, and every
// file's parent directory.
func (c *call) listZip(name, cached string) (dirs, files, links []string, err error) {
	zr, zerr := zip.OpenReader(c.host(cached))
	if zerr != nil {
		if errors.Is(zerr, fs.ErrNotExist) {
			return nil, nil, nil, funcs.Raise("CommandExecutionError", "Failed to list contents of %s: %s", name, pyOSError(zerr, cached))
		}
		return nil, nil, nil, funcs.Raise("CommandExecutionError", "%s is not a ZIP file", name)
	}
	defer zr.Close()
	dirSet := map[string]bool{}
	for _, f := range zr.File {
		mode := f.ExternalAttrs >> 16
		switch mode & syscall.S_IFMT {
		case syscall.S_IFLNK:
			links = append(links, f.Name)
		case syscall.S_IFDIR:
			dirSet[f.Name] = true
		default:
			files = append(files, f.Name)
		}
	}
	for _, p := range slices.Clone(files) {
		if i := strings.LastIndex(p, "/"); i >= 0 {
			d := p[:i+1]
			dirSet[d] = true
			if j := slices.Index(files, d); j >= 0 {
				files = slices.Delete(files, j, j+1)
			}
		}
	}
	for d := range dirSet {
		dirs = append(dirs, d)
	}
	return dirs, files, links, nil
}

// urlPathOrNetloc is urllib.parse.urlparse(name)'s path, or its netloc
// when the path is empty (without net/url, which the executor does not
// link).
func urlPathOrNetloc(name string) string {
	if i := strings.IndexAny(name, "?#"); i >= 0 && strings.Contains(name, "://") {
		name = name[:i]
	}
	_, rest, ok := strings.Cut(name, "://")
	if !ok {
		return name
	}
	netloc, p, _ := strings.Cut(rest, "/")
	if p == "" && !strings.Contains(rest, "/") {
		return netloc
	}
	return "/" + p
}
