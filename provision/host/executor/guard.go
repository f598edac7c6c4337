package executor

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// guardGrace is how long the guardian waits between SIGTERM and SIGKILL.
const guardGrace = 3 * time.Second

// guard keeps a guardian process informed of the process groups of the
// commands brine-exec runs. The guardian (brine-exec -guard, started before
// the first command, or that command does not start) reads them from a
// pipe; when the pipe ends because brine-exec is gone, killed or not, it
// ends every group still listed. So killing brine-exec never leaves a
// state's commands running. It is started from /proc/self/exe, which names
// the running executor even when its file was removed, and holds the
// executor's shared lock (lock) as long as it lives.
type guard struct {
	lock *os.File

	mu    sync.Mutex
	w     io.WriteCloser
	err   error
	start sync.Once
}

func newGuard(lock *os.File) *guard { return &guard{lock: lock} }

// ready starts the guardian once; a command starts only when it is nil.
func (g *guard) ready() error {
	g.start.Do(g.spawn)
	if g.err != nil {
		return fmt.Errorf("the guardian that ends a killed executor's commands did not start: %w", g.err)
	}
	return nil
}

// track tells the guardian about pgid and returns the func that says the
// command ended; cancelled commands stay listed (their group may still be
// dying when brine-exec exits), and the guardian finishes them.
func (g *guard) track(pgid int) func(cancelled bool) {
	g.send(fmt.Sprintf("+%d\n", pgid))
	return func(cancelled bool) {
		if !cancelled {
			g.send(fmt.Sprintf("-%d\n", pgid))
		}
	}
}

func (g *guard) spawn() {
	r, w, err := os.Pipe()
	if err != nil {
		g.err = err
		return
	}
	cmd := exec.Command("/proc/self/exe", "-guard")
	// ps shows it as the executor it guards.
	cmd.Args[0] = os.Args[0]
	if g.lock != nil {
		cmd.ExtraFiles = []*os.File{g.lock}
	}
	// Its own process group, no stdout or stderr: sshd must not wait for
	// the guardian to close the session's pipes.
	cmd.Stdin = r
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		g.err = err
		return
	}
	r.Close()
	go cmd.Wait()
	g.w = w
}

func (g *guard) send(line string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.w != nil {
		_, _ = io.WriteString(g.w, line)
	}
}

// close ends the guardian's pipe (at a normal exit the list is empty).
func (g *guard) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.w != nil {
		g.w.Close()
		g.w = nil
	}
}

// Guardian is the body of `brine-exec -guard`: it reads "+PGID" and "-PGID"
// lines until its stdin ends, then sends SIGTERM to every group still
// listed, and SIGKILL to those left after a grace.
func Guardian(stdin io.Reader) int {
	signal.Ignore(syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE)
	setName("brine-exec-grd")
	live := map[int]bool{}
	sc := bufio.NewScanner(stdin)
	for sc.Scan() {
		l := sc.Text()
		if len(l) < 2 {
			continue
		}
		n, err := strconv.Atoi(l[1:])
		if err != nil || n <= 1 {
			continue
		}
		if l[0] == '+' {
			live[n] = true
		} else {
			delete(live, n)
		}
	}
	for pg := range live {
		_ = syscall.Kill(-pg, syscall.SIGTERM)
	}
	// Wait for the groups to go, up to the grace, then kill what is left.
	for deadline := time.Now().Add(guardGrace); ; {
		for pg := range live {
			if syscall.Kill(-pg, 0) != nil {
				delete(live, pg)
			}
		}
		if len(live) == 0 {
			return 0
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for pg := range live {
		_ = syscall.Kill(-pg, syscall.SIGKILL)
	}
	return 0
}

// setName sets this process's name (its comm, at most 15 bytes): started
// through /proc/self/exe, the guardian would be called "exe".
func setName(name string) {
	b := append([]byte(name), 0)
	const prSetName = 15
	_, _, _ = syscall.RawSyscall(syscall.SYS_PRCTL, prSetName, uintptr(unsafe.Pointer(&b[0])), 0)
}
