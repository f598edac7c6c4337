package file_test

import (
	"crypto/sha256"
	"encoding/hex"
	"reflect"
	"testing"

	"brine/provision/host/state/file"
	"brine/provision/host/state/statetest"
	"brine/provision/wire/lowstate"
)

// A dry run downloads nothing: file.managed predicts an https source the
// controller did not download from its source_hash alone.
func TestManagedUnfetchedRemoteSource(t *testing.T) {
	root := newRoot(t)
	url := "https://example.invalid/app.conf"
	sum := sha256.Sum256([]byte("port=80\n"))
	hsum := hex.EncodeToString(sum[:])
	dry := func(kv ...any) lowstate.Chunk {
		return mk("managed", "/etc/app.conf", append([]any{"source", url, "source_hash", "sha256=" + hsum, lowstate.KeyUnfetched, url}, kv...)...)
	}
	note := "The file /etc/app.conf is set to be changed\nNote: No changes made, actual changes may\nbe different due to other states."

	r := statetest.Call(newEnv(root, nil, true), file.Module(), "", dry())
	if r.Result != nil || r.Comment != note || !reflect.DeepEqual(r.Changes, map[string]any{"newfile": "/etc/app.conf"}) {
		t.Errorf("missing file: %v %q %v", show(r.Result), r.Comment, r.Changes)
	}
	put(t, root, "etc/app.conf", "port=80\n")
	// the file has the source_hash: Salt leaves its content alone
	// (replace False) and manages only owner and mode
	r = statetest.Call(newEnv(root, nil, true), file.Module(), "", dry())
	expect(t, r, T, "File /etc/app.conf not updated")
	r = statetest.Call(newEnv(root, nil, true), file.Module(), "", dry("mode", "0600"))
	if r.Result != nil || r.Comment != "File /etc/app.conf will be updated with permissions 0600 from its current state of 0644" || !reflect.DeepEqual(r.Changes, map[string]any{"mode": "0600"}) {
		t.Errorf("mode only: %v %v", show(r.Result), r.Changes)
	}
	put(t, root, "etc/app.conf", "port=8080\n")
	r = statetest.Call(newEnv(root, nil, true), file.Module(), "", dry())
	want := map[string]any{"diff": "Replace the content with " + url + " (not downloaded with test=True)"}
	if r.Result != nil || !reflect.DeepEqual(r.Changes, want) {
		t.Errorf("other content: %v %v", show(r.Result), r.Changes)
	}
	// Without a digest the content cannot be known: a change is predicted.
	r = statetest.Call(newEnv(root, nil, true), file.Module(), "", mk("managed", "/etc/app.conf", "source", url, "skip_verify", true, lowstate.KeyUnfetched, url))
	if r.Result != nil || !reflect.DeepEqual(r.Changes, want) {
		t.Errorf("skip_verify: %v %v", show(r.Result), r.Changes)
	}
	// A real run never gets here without the content.
	r = statetest.Call(newEnv(root, nil, false), file.Module(), "", dry())
	expect(t, r, F, "was not downloaded by the controller")
	if rd(t, root, "etc/app.conf") != "port=8080\n" {
		t.Error("file changed")
	}
}
