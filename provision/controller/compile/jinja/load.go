package jinja

// LoadYAML parses YAML text into plain Go data, as the load_yaml filter
// reads it.
func LoadYAML(text string) (any, error) {
	v, err := loadYAML(text)
	return toGo(v), err
}

// LoadJSON parses JSON text into plain Go data, as the load_json filter
// reads it.
func LoadJSON(text string) (any, error) {
	v, err := loadJSON(text)
	return toGo(v), err
}
