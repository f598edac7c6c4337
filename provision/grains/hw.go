package grains

import (
	"runtime"
	"strconv"
	"strings"
)

// cpuGrains fills num_cpus, cpu_model and cpu_flags from /proc/cpuinfo.
func (s *system) cpuGrains(g map[string]any) {
	n := 0
	model, flags := "", ""
	for _, line := range strings.Split(s.read("/proc/cpuinfo"), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "processor":
			if _, err := strconv.Atoi(v); err == nil {
				n++
			} else if model == "" {
				model = v // old ARM kernels: "Processor : ARMv7 ..."
			}
		case "model name", "Model", "cpu model", "Hardware":
			if model == "" || k == "model name" {
				model = v
			}
		case "flags", "Features":
			if flags == "" {
				flags = v
			}
		}
	}
	if n == 0 {
		n = runtime.NumCPU()
	}
	g["num_cpus"] = n
	g["cpu_model"] = model
	g["cpu_flags"] = strings.Fields(flags)
}

// memGrains fills mem_total and swap_total (MiB) from /proc/meminfo.
func (s *system) memGrains(g map[string]any) {
	g["mem_total"] = 0
	g["swap_total"] = 0
	for _, line := range strings.Split(s.read("/proc/meminfo"), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		var key string
		switch k {
		case "MemTotal":
			key = "mem_total"
		case "SwapTotal":
			key = "swap_total"
		default:
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		if kb, err := strconv.Atoi(f[0]); err == nil {
			g[key] = kb / 1024
		}
	}
}
