package run

import (
	"io"
	"time"

	"brine/inventory/shard"
	"brine/inventory/target"
	"brine/provision/controller/connect"
	"brine/provision/controller/dispatch"
	"brine/provision/controller/rollout"
)

// Options are one run's settings: the command line's, as plain values. The
// zero value of each field is brine's default.
type Options struct {
	// Fun is the function to run (see Functions) and Args its arguments as
	// typed: positional ones and Salt's key=value ones. With Raw, Args are
	// a shell command run with /bin/sh, no executor (-r).
	Fun  string
	Args []string
	Raw  bool

	// Target selects roster hosts, read as TargetKind says (a glob by
	// default); Shard keeps only one shard of them (--shard K/N).
	Target     string
	TargetKind target.Kind
	Shard      *shard.Spec
	// FailedFrom narrows the targeted hosts to those that did not succeed
	// in that job ("last": those whose latest run of Fun did not); NewHosts
	// to those with no successful highstate in the history. Both read
	// CacheDir's history and those of the cache directories HistoryFrom
	// names (glob patterns: the shards' caches of a sharded fleet).
	FailedFrom  string
	NewHosts    bool
	HistoryFrom []string
	// Local runs on this machine without SSH, as LocalID (default its
	// hostname), instead of on roster hosts.
	Local   bool
	LocalID string

	// Limit keeps only the targeted hosts an Ansible --limit pattern
	// matches (see limit.go); "" keeps all.
	Limit string
	// Delimiter separates keys and pattern in grain targets (default ":").
	Delimiter string
	// UpdateRoster adds a TARGET that is a host name or address outside
	// the flat roster to the roster file (salt-ssh's --update-roster).
	UpdateRoster bool
	// ScanPorts and ScanTimeout are the scan roster's (--roster scan):
	// the ports tried on each address of TARGET (default "22") and how
	// long each may take (default 10 ms).
	ScanPorts   string
	ScanTimeout time.Duration

	// Config is brine.yaml (default "brine.yaml"; a missing file is an
	// empty config unless ConfigExplicit). SaltMaster says it is Salt's
	// master config file: its keep_jobs is in hours.
	Config         string
	ConfigExplicit bool
	SaltMaster     bool
	// Roster is what the roster is (flat, ansible, sshconfig; default
	// flat) and RosterFile where (default "roster.yaml"; sshconfig reads
	// SSHConfig instead, and refuses a RosterFile given explicitly).
	Roster             string
	RosterFile         string
	RosterFileExplicit bool
	// FileRoot and PillarRoot override brine.yaml's base roots (default
	// ./states and ./pillar when it exists).
	FileRoot, PillarRoot string
	// SecretPillar are pillar paths (a:b) whose values are masked in all
	// output, besides brine.yaml's secret_pillar.
	SecretPillar []string
	// CacheDir holds the grains cache, the executor facts, downloads and
	// the job history (default ~/.cache/brine).
	CacheDir string

	// The connection: see connect.Defaults for each. NoAgent leaves the
	// ssh-agent out; IgnoreHostKeys checks no host key (-i).
	User           string
	Keys           []string
	Passphrase     string
	Password       string
	Askpass        bool
	NoAgent        bool
	Sudo           bool
	SudoUser       string
	KnownHosts     string
	HostKeyPolicy  connect.HostKeyPolicy
	IgnoreHostKeys bool
	SSHConfig      string
	// SSHOptions are OpenSSH options for every host (--ssh-option): they
	// win over the roster's ssh_options.
	SSHOptions    []string
	MaxHandshakes int
	Keepalive     time.Duration
	// Timeout bounds each connect and handshake, and each upload or short
	// step where no byte moves (default 10 s).
	Timeout time.Duration
	// KeyDeploy adds the key to a host that let brine in on the password
	// only (--key-deploy).
	KeyDeploy bool

	// MaxProcs bounds the hosts in flight (default 25); Batch runs them in
	// batches and MaxFail stops starting hosts once too many failed.
	MaxProcs       int
	Batch, MaxFail *rollout.Size
	// RunTimeout bounds each host's whole run (default none).
	RunTimeout time.Duration
	// Refresh collects grains again instead of using the cache.
	Refresh bool
	// Wipe removes the executor from each host after the run;
	// RandThinDir runs from a new thin dir on each host, removed after
	// the run (salt-ssh's -W).
	Wipe        bool
	RandThinDir bool
	// PreFlight runs each host's roster ssh_pre_flight script even when
	// its thin dir exists (without it, only on a host without one).
	PreFlight bool
	// Forwards are remote port forwards held open on each host's
	// connection for its run (ssh -R).
	Forwards []connect.Forward
	// MaxAnswer, MaxStderr and MaxOutput are the caps on what a host may
	// send (see dispatch.Runner; zero: the defaults).
	MaxAnswer, MaxStderr, MaxOutput int64
	// Failhard stops a state run at its first failure; LockTimeout is how
	// long to wait for another run's lock on a host.
	Failhard    bool
	LockTimeout time.Duration

	// JID is the job id to use (a usage error when the history holds
	// it already); "" makes one.
	JID string
	// Yes runs a guarded execution function (system.reboot,
	// system.poweroff, system.shutdown, system.halt): without it such a
	// call is a usage error, before any host is contacted.
	Yes bool
	// RetcodePassthrough makes the exit code the highest return code a
	// host's function reported, as salt-call's (see Outcome.ExitCode).
	RetcodePassthrough bool
	// NoParse are key=value argument names whose values are taken as
	// strings, not YAML (salt-ssh's --no-parse).
	NoParse []string

	// Trace writes each host's network steps with timings to Log.
	Trace bool
	// Prompt asks the operator for a secret (--askpass, a key's
	// passphrase); nil: there is no one to ask.
	Prompt func(msg string) (string, error)
	// Log is where the run tells the operator what is not a host's result:
	// warnings, batches, keys deployed, trace (brine's stderr; default
	// none).
	Log io.Writer
}

// withDefaults fills in the defaults of zero fields.
func (o Options) withDefaults() Options {
	if o.Config == "" {
		o.Config = "brine.yaml"
	}
	if o.Roster == "" {
		o.Roster = "flat"
	}
	if o.RosterFile == "" {
		o.RosterFile = "roster.yaml"
	}
	if o.CacheDir == "" {
		o.CacheDir = dispatch.DefaultCacheDir()
	}
	if o.HostKeyPolicy == "" {
		o.HostKeyPolicy = connect.Strict
	}
	if o.IgnoreHostKeys {
		o.HostKeyPolicy = connect.Ignore
	}
	if o.Timeout == 0 {
		o.Timeout = 10 * time.Second
	}
	if o.MaxProcs <= 0 {
		o.MaxProcs = 25
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	return o
}
