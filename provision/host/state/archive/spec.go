package archive

import "brine/provision/wire/spec"

// Spec declares the archive state functions; signatures from Salt 3007.1's
// salt/states/archive.py.
func Spec() *spec.Module {
	return &spec.Module{
		Funcs: map[string]*spec.Func{
			"extracted": spec.Fn("name, source raw, source_hash=None str, source_hash_name=None str, source_hash_update=False ignored, " +
				"skip_files_list_verify=False ignored, skip_verify=False, password=None ignored, options=None ignored, " +
				"list_options=None ignored, force=False ignored, overwrite=False, clean=False ignored, clean_parent=False ignored, " +
				"user=None str, group=None str, if_missing=None str, trim_output=False ignored, use_cmd_unzip=None ignored, " +
				"extract_perms=True ignored, enforce_toplevel=True, enforce_ownership_on=None ignored, archive_format=None ignored, " +
				"use_etag=False ignored, signature=None ignored, source_hash_sig=None ignored, signed_by_any=None ignored, " +
				"signed_by_all=None ignored, keyring=None ignored, gnupghome=None ignored, **kwargs"),
		},
	}
}

// Doc documents the archive state functions for sys.state_doc and the
// README (the controller's catalog; the executor does not link it).
func Doc() spec.Doc {
	return spec.Doc{
		Module: "Archives (tar, gzip, bzip2, xz, zip) extracted into directories.",
		Funcs: map[string]string{
			"extracted": "Extract the archive source (salt://, bundled unrendered; or http(s) with " +
				"source_hash, downloaded on the controller) into the directory NAME unless if_missing (or its content) is already there; " +
				"overwrite extracts again; user and group own the result.",
		},
	}
}
