package report

// palette holds Salt's ANSI sequences (salt.utils.color), or empty strings
// when colour is off.
type palette struct {
	green, cyan, red, lightRed, lightYellow, endc string
}

// colors returns Salt's palette when on, else an empty one.
func colors(on bool) palette {
	if !on {
		return palette{}
	}
	return palette{
		green:       "\x1b[0;32m",
		cyan:        "\x1b[0;36m",
		red:         "\x1b[0;31m",
		lightRed:    "\x1b[0;1;31m",
		lightYellow: "\x1b[0;1;33m",
		endc:        "\x1b[0;0m",
	}
}
