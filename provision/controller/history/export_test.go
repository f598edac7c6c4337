package history

// SchemaVersion is the schema this package writes.
func SchemaVersion() int { return len(migrations) }
