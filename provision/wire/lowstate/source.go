package lowstate

// KeyUnfetched is the URL of a remote source a dry run did not download
// (nothing is fetched with test=True); the state predicts without it. A
// source the controller could not get is a KeyFail marker instead.
const KeyUnfetched = "__brine_unfetched__"
