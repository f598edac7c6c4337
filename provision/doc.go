// Package provision holds everything between the roster and the report,
// in folders named for where the code runs:
//
//   - controller: on the operator's machine (compile, connect, dispatch,
//     report, history, ...); never shipped to a host.
//   - host: inside brine-exec on each target (the executor, grains, the
//     state engine and modules, Salt's execution modules).
//   - wire: the contract both sides share (the protocol, lowstate, the
//     bundle format, the state catalog's specs).
//   - lib: small helpers with no brine concept in them (Python formatting,
//     fnmatch, shell quoting, source hashes, atomic files).
//
// layout_test.go enforces the rule: host never imports controller, wire and
// lib import neither, and the controller reaches into host only through the
// few edges it lists.
package provision
