package jinja

// Dumpers for plain Go data (maps, lists, scalars), laid out exactly as
// the template filters lay them out: Python's json.dumps and PyYAML's
// safe_dump. The state engine's file.serialize uses them so a file is
// written the way Salt's serializers write it.

// DumpJSON is Python's json.dumps(v, indent=indent, sort_keys=sortKeys)
// with separators (",", ": ") and ensure_ascii; indent < 0 is one line.
func DumpJSON(v any, indent int, sortKeys bool) (string, error) {
	return dumpJSON(fromGo(v), jsonOpts{sortKeys: sortKeys, indent: indent})
}

// DumpYAML is PyYAML's safe_dump(v, default_flow_style=False) without the
// final newline: block style, keys sorted, lists not indented under keys.
func DumpYAML(v any) (string, error) {
	return dumpYAMLBlock(fromGo(v))
}

// Repr is Python's repr() of plain Go data.
func Repr(v any) string {
	return pyRepr(fromGo(v))
}

// TypeName is the Python type name of plain Go data ("str", "dict", ...).
func TypeName(v any) string {
	return typeName(fromGo(v))
}
