// Package wire defines the executor protocol.
//
// Controller to executor (stdin): one JSON Request line; then, for a
// non-interactive state request, the bundle bytes (Request.BundleSize).
// After that stdin stays open and carries Msg lines: in an interactive
// request (Request.Interactive) Call messages, each answered by one Reply
// line, then one Bundle message followed by the bundle bytes; in any request
// a Stop message asks the executor to stop at the next state boundary.
// End of file on stdin (the controller or the connection is gone) is read as
// a Stop: a remote run never goes on unseen.
//
// Executor to controller (stdout): zero or more `{"reply": ...}` lines (one
// per Call, in order), then exactly one Response line, last.
package wire

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
)

// Version is the protocol version; controller and executor must agree.
const Version = 1

// Ready is the line the executor prints first when started with -ready, so a
// controller that had to answer a sudo prompt knows when to send the request.
const Ready = "BRINE-EXEC-READY"

// Request is what the controller asks of the executor.
type Request struct {
	V int `json:"v"`
	// ID is the roster id, reported as the "id" grain.
	ID string `json:"id"`
	// Fun is the function: test.ping, cmd.run, grains.items, state.apply...
	Fun string `json:"fun"`
	// Call holds an execution function's arguments, as the command line
	// gave them (bound and checked on the controller, bound again here).
	Call *Call `json:"call,omitempty"`
	// Grains are roster grains; they override collected grains.
	Grains Grains `json:"grains,omitempty"`
	// Test is test=True for state functions.
	Test     bool `json:"test,omitempty"`
	Failhard bool `json:"failhard,omitempty"`
	// LockTimeout is how long a state run waits for another run's lock, in seconds.
	LockTimeout float64 `json:"lock_timeout,omitempty"`
	// BundleSize and BundleSHA describe the bundle bytes that follow the
	// request line on stdin (state functions only).
	BundleSize int64  `json:"bundle_size,omitempty"`
	BundleSHA  string `json:"bundle_sha256,omitempty"`
	// Interactive means Call messages come before the bundle: the
	// controller is compiling while the executor answers the execution
	// module calls the templates make (salt['file.file_exists'](...)).
	Interactive bool `json:"interactive,omitempty"`
	// Controller names the run for the host lock's holder note:
	// user@host of the controller and the job id.
	Controller string `json:"controller,omitempty"`
	// Wipe removes the executor and its thin dir from the host once the
	// answer is ready (salt-ssh's --wipe).
	Wipe bool `json:"wipe,omitempty"`
	// MaxOutput bounds what the executor keeps of each command's stdout,
	// and of its stderr: the first and last halves, with a line saying how
	// much was dropped (0: 16 MiB). All of a request's commands together
	// keep at most four times that.
	MaxOutput int64 `json:"max_output,omitempty"`
	// GrainsSHA is the hash of the collected grains the controller has
	// cached (Response.GrainsSHA of an earlier answer); when the host's
	// grains still hash the same, the answer leaves them out.
	GrainsSHA string `json:"grains_sha256,omitempty"`
}

// Msg is one line the controller sends after the request (see the package
// comment). Exactly one field is set.
type Msg struct {
	// Call runs an execution module function on the host.
	Call *Call `json:"call,omitempty"`
	// Bundle announces Size bundle bytes after this line (interactive).
	Bundle *BundleHeader `json:"bundle,omitempty"`
	// Stop asks the executor to stop at the next state boundary; the value
	// says why ("interrupted", "run timeout").
	Stop string `json:"stop,omitempty"`
}

// Call is an execution function call: made ad hoc from the command line,
// or by a template on the controller.
type Call struct {
	Fun    string         `json:"fun"`
	Args   []any          `json:"args,omitempty"`
	Kwargs map[string]any `json:"kwargs,omitempty"`
	// Order lists the keyword arguments as given (Python's messages name
	// the first bad one); nil means sorted.
	Order []string `json:"order,omitempty"`
}

// BundleHeader describes the bundle bytes that follow a Bundle message.
type BundleHeader struct {
	Size int64  `json:"size"`
	SHA  string `json:"sha256"`
}

// Reply answers one Call: its return, or the error that stopped it.
type Reply struct {
	Return json.RawMessage `json:"return"`
	Error  string          `json:"error,omitempty"`
}

// ReplyLine is the stdout line carrying a Reply.
type ReplyLine struct {
	Reply *Reply `json:"reply"`
}

// WriteMsg writes one control line.
func WriteMsg(w io.Writer, m *Msg) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// ReadMsg reads one control line; io.EOF when the controller closed stdin.
func ReadMsg(br *bufio.Reader) (*Msg, error) {
	line, err := br.ReadBytes('\n')
	if len(line) == 0 && err != nil {
		return nil, err
	}
	var m Msg
	if err := json.Unmarshal(line, &m); err != nil {
		return nil, fmt.Errorf("decode control line: %w", err)
	}
	return &m, nil
}

// Response is what the executor answers.
type Response struct {
	V int `json:"v"`
	// Return is the function's return (for state functions, the results map).
	Return json.RawMessage `json:"return"`
	// Retcode is 0 on success; non-zero when the function or a state failed.
	Retcode int `json:"retcode"`
	// Error is set when the function could not run at all, or raised.
	Error string `json:"error,omitempty"`
	// ErrorInfo is the info of a CommandExecutionError the function
	// raised (Error is its message): the controller prints it after the
	// message as salt-call does.
	ErrorInfo json.RawMessage `json:"error_info,omitempty"`
	// Grains are the collected grains (without roster grains), left out
	// when they hash to the request's GrainsSHA.
	Grains Grains `json:"grains,omitempty"`
	// GrainsSHA is the hash of the collected grains.
	GrainsSHA string `json:"grains_sha256,omitempty"`
	// Duration of the run on the target, in seconds.
	Duration float64 `json:"duration"`
	// Stopped is set when the run stopped early at the controller's word
	// (a Stop message, or stdin closing): the reason, e.g. "interrupted".
	// The states that ran are in Return; the rest are reported not run.
	Stopped string `json:"stopped,omitempty"`
	// Notes are things the operator should know (a stale lock taken over).
	Notes []string `json:"notes,omitempty"`
}

// WriteRequest writes the request line and the bundle.
func WriteRequest(w io.Writer, r *Request, bundle []byte) error {
	r.V = Version
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if _, err := w.Write(b); err != nil {
		return err
	}
	if len(bundle) > 0 {
		_, err = w.Write(bundle)
	}
	return err
}

// ReadRequest reads the request line; the bundle (if any) follows on br.
func ReadRequest(br *bufio.Reader) (*Request, error) {
	line, err := br.ReadBytes('\n')
	if err != nil && len(line) == 0 {
		return nil, fmt.Errorf("read request: %w", err)
	}
	var r Request
	if err := json.Unmarshal(line, &r); err != nil {
		return nil, fmt.Errorf("decode request: %w", err)
	}
	if r.V != Version {
		return nil, fmt.Errorf("protocol version %d, this executor speaks %d", r.V, Version)
	}
	return &r, nil
}
