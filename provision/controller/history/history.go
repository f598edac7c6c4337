// Package history is brine's job history: every run's job id, who ran what
// on which target, and each host's full return, in an SQLite database
// (modernc.org/sqlite: pure Go, no cgo) in the controller's cache
// directory. It backs `brine jobs.list_jobs`, `jobs.lookup_jid`,
// `--failed-from` and `--new-hosts`.
//
// Several brine processes may write one database at once: it runs in WAL
// mode with a busy timeout, every write is one short BEGIN IMMEDIATE
// transaction, and a write that still finds the database busy is retried
// with backoff. The schema carries its version in PRAGMA user_version; Open
// migrates an older database and refuses a newer one.
package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"brine/provision/lib/atomicfile"
)

// FileName is the database's name in the cache directory.
const FileName = "jobs.db"

// Bounds on waiting for another process's lock: SQLite waits up to
// busyTimeout inside one statement; a transaction that still fails with
// SQLITE_BUSY is retried up to writeAttempts times, backing off from
// firstBackoff up to maxBackoff between attempts.
const (
	busyTimeout   = 5 * time.Second
	writeAttempts = 8
	firstBackoff  = 20 * time.Millisecond
	maxBackoff    = time.Second
)

// ErrNotFound is returned for a job id the history does not hold.
var ErrNotFound = errors.New("no such job in the history")

// ErrBusy is wrapped by the error of an Open or a write that gave up
// waiting for another process holding the database (Options.Wait).
var ErrBusy = errors.New("the job history is busy: another process holds it")

// DB is an open job history.
type DB struct {
	db   *sql.DB
	path string
	o    Options
	told bool // Options.Waiting was called
	// started: a write succeeded; Options.Wait bounds only the start.
	started bool
}

// Options tune OpenWith.
type Options struct {
	// Wait, when set, bounds how long the start waits for another process
	// that holds the database busy: Open and the first write (a run's
	// Begin); past it they fail with ErrBusy, and the run goes on
	// unrecorded, saying so. Later writes (the run's results) wait as long
	// as the package's own bounds allow (about 40 s), as do all with zero.
	Wait time.Duration
	// Waiting, when set, is called once, the first time the database is
	// found busy, so the caller can say it is waiting.
	Waiting func()
}

// migrations[i] takes the schema from version i to i+1. Append only: a
// released step never changes.
var migrations = []string{
	`CREATE TABLE jobs (
		jid         TEXT PRIMARY KEY,
		start_ns    INTEGER NOT NULL,
		end_ns      INTEGER,            -- NULL while running, or when the run was killed
		exit_code   INTEGER,            -- brine's exit status; NULL with end_ns
		user        TEXT NOT NULL,
		target      TEXT NOT NULL,
		target_type TEXT NOT NULL,
		fun         TEXT NOT NULL,
		args        TEXT NOT NULL,      -- JSON list of strings, secrets masked
		tree_hash   TEXT NOT NULL,
		hosts       TEXT NOT NULL,      -- JSON list of the targeted host ids, run order
		provisions  INTEGER NOT NULL    -- a success here marks the host provisioned
	);
	CREATE INDEX jobs_start ON jobs(start_ns);
	CREATE TABLE returns (
		jid         TEXT NOT NULL,
		host        TEXT NOT NULL,
		idx         INTEGER NOT NULL,   -- position in the roster
		seq         INTEGER,            -- order the run printed it in; NULL: never printed
		status      TEXT NOT NULL,      -- ok, failed, unreachable or not run
		fun         TEXT NOT NULL,
		retcode     INTEGER NOT NULL,
		unreachable INTEGER NOT NULL,
		failure     TEXT NOT NULL,      -- result.HostReturn.Failure
		notes       TEXT NOT NULL,      -- JSON list of strings
		duration_ns INTEGER NOT NULL,
		error       BLOB NOT NULL,
		ret         BLOB NOT NULL,      -- gzip of the return's JSON
		PRIMARY KEY (jid, host)
	) WITHOUT ROWID;
	CREATE TABLE provisioned (
		host  TEXT PRIMARY KEY,
		jid   TEXT NOT NULL,
		at_ns INTEGER NOT NULL
	) WITHOUT ROWID;`,
}

// Path is the database file in cache directory dir.
func Path(dir string) string { return filepath.Join(dir, FileName) }

// Open opens (creating it, mode 0600 in a 0700 directory) the history
// database at path and brings its schema up to date.
func Open(ctx context.Context, path string) (*DB, error) {
	return OpenWith(ctx, path, Options{})
}

// OpenWith is Open with options. The directory is made private to this
// user (or refused, with the reason, when it is another user's); the
// database and its -wal and -shm files are never followed through a
// symlink, nor used when they are not plain files of this user's.
func OpenWith(ctx context.Context, path string, o Options) (*DB, error) {
	if err := atomicfile.PrivateDir(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("job history %s: %w", path, err)
	}
	// SQLite would create the file 0644 (and its -wal and -shm files with
	// the same mode): create it first, private, on a descriptor that is
	// the file itself (a symlink planted as jobs.db is refused, never
	// followed to chmod its target).
	f, err := atomicfile.OpenPlain(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("job history %s: %w", path, err)
	}
	if fi, err := f.Stat(); err == nil && fi.Mode().Perm()&0o077 != 0 {
		err = f.Chmod(0o600)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("job history %s: %w", path, err)
		}
	}
	f.Close()
	for _, side := range []string{path + "-wal", path + "-shm"} {
		if _, err := os.Lstat(side); err == nil {
			sf, err := atomicfile.OpenPlain(side, os.O_RDONLY, 0)
			if err != nil {
				return nil, fmt.Errorf("job history %s: %w", path, err)
			}
			sf.Close()
		}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("job history %s: %w", path, err)
	}
	busy := busyTimeout
	if o.Wait > 0 {
		// Short waits inside SQLite, and the retry loop keeps to o.Wait.
		busy = min(busy, max(o.Wait/8, 50*time.Millisecond))
	}
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(busy.Milliseconds()))
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "NORMAL")
	q.Set("_txlock", "immediate")
	dsn := (&url.URL{Scheme: "file", Path: abs, RawQuery: q.Encode()}).String()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("job history %s: %w", path, err)
	}
	// One connection: a CLI run needs no more, and it keeps this process
	// from ever waiting on itself.
	db.SetMaxOpenConns(1)
	d := &DB{db: db, path: path, o: o}
	if err := d.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	d.started = false // the start ends with the first write after Open
	return d, nil
}

// OpenReadOnly opens the history at path for reading only: nothing is
// created, migrated or changed (so it works on a database the user may
// not write, even an immutable one: it is then read as it is on disk, and
// writes still in its -wal file since the last checkpoint are not seen).
// A history that does not exist yet reads as empty. The file is never
// followed through a symlink.
func OpenReadOnly(ctx context.Context, path string) (*DB, error) {
	if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
		return emptyDB(ctx, path)
	}
	f, err := atomicfile.OpenPlain(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("job history %s: %w", path, err)
	}
	f.Close()
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("job history %s: %w", path, err)
	}
	var last error
	for _, mode := range []string{"mode", "immutable"} {
		q := url.Values{}
		q.Set("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
		if mode == "mode" {
			q.Set("mode", "ro")
		} else {
			q.Set("immutable", "1")
		}
		dsn := (&url.URL{Scheme: "file", Path: abs, RawQuery: q.Encode()}).String()
		db, err := sql.Open("sqlite", dsn)
		if err != nil {
			return nil, fmt.Errorf("job history %s: %w", path, err)
		}
		db.SetMaxOpenConns(1)
		var v int
		if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
			db.Close()
			last = err
			continue
		}
		if v > len(migrations) {
			db.Close()
			return nil, fmt.Errorf("job history %s: schema version %d is newer than this brine knows (%d): upgrade brine, or use another --cache-dir", path, v, len(migrations))
		}
		if v < len(migrations) {
			// Never written by a run (an empty file): no jobs.
			db.Close()
			return emptyDB(ctx, path)
		}
		return &DB{db: db, path: path}, nil
	}
	return nil, fmt.Errorf("job history %s: %w", path, last)
}

// emptyDB is a history with no jobs, in memory, named path.
func emptyDB(ctx context.Context, path string) (*DB, error) {
	db, err := sql.Open("sqlite", "file::memory:")
	if err != nil {
		return nil, fmt.Errorf("job history %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	d := &DB{db: db, path: path}
	if err := d.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return d, nil
}

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

// Path is the database file.
func (d *DB) Path() string { return d.path }

func (d *DB) migrate(ctx context.Context) error {
	return d.write(ctx, func(tx *sql.Tx) error {
		var v int
		if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
			return err
		}
		if v > len(migrations) {
			return fmt.Errorf("schema version %d is newer than this brine knows (%d): upgrade brine, or use another --cache-dir", v, len(migrations))
		}
		for ; v < len(migrations); v++ {
			if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
				return fmt.Errorf("migrate schema to version %d: %w", v+1, err)
			}
			// PRAGMA takes no bound parameters; v is an int.
			if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
				return err
			}
		}
		return nil
	})
}

// write runs fn in one write transaction, retrying it from the start
// while another process keeps the database busy (up to Options.Wait, when
// set).
func (d *DB) write(ctx context.Context, fn func(*sql.Tx) error) error {
	backoff := firstBackoff
	var deadline time.Time
	if d.o.Wait > 0 && !d.started {
		deadline = time.Now().Add(d.o.Wait)
	}
	var err error
	for attempt := 1; ; attempt++ {
		err = d.tryWrite(ctx, fn)
		if err == nil || !isBusy(err) {
			break
		}
		if !d.told && d.o.Waiting != nil {
			d.told = true
			d.o.Waiting()
		}
		if !deadline.IsZero() && time.Now().Add(backoff).After(deadline) {
			return fmt.Errorf("job history %s: %w (waited %s): %v", d.path, ErrBusy, d.o.Wait, err)
		}
		if deadline.IsZero() && attempt == writeAttempts {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("job history %s: %w", d.path, ctx.Err())
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
	}
	if err != nil {
		return fmt.Errorf("job history %s: %w", d.path, err)
	}
	d.started = true
	return nil
}

func (d *DB) tryWrite(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// isBusy reports SQLITE_BUSY and SQLITE_LOCKED (with any extended code).
func isBusy(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	c := se.Code() & 0xff
	return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
}
