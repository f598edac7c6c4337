// Package controller holds the packages that run on the operator's machine
// only: compiling state trees, connecting to hosts, dispatching bundles and
// the executor, and reporting and recording results. Nothing under this
// folder is linked into brine-exec.
package controller
