package grains

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"brine/provision/lib/shlex"
)

// cpuGrains fills num_cpus, cpu_model and cpu_flags from /proc/cpuinfo the
// way Salt's _linux_cpudata reads it (the last processor number plus one,
// "model name" or "vendor_id", "flags" or "Features"; "Unknown", 0 and []
// when absent).
func (s *system) cpuGrains(_ context.Context, g map[string]any) {
	num, model, flags := 0, "Unknown", []string{}
	for _, line := range strings.Split(s.read("/proc/cpuinfo"), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "processor":
			if n, err := strconv.Atoi(v); err == nil {
				num = n + 1
			}
		case "# processors":
			if n, err := strconv.Atoi(v); err == nil {
				num = n
			}
		case "vendor_id", "model name":
			model = v
		case "flags", "Features":
			flags = strings.Fields(v)
		case "Processor":
			// old ARM kernels: "Processor : ARMv6-compatible processor rev 7"
			model, _, _ = strings.Cut(v, "-")
			num = 1
		}
	}
	g["num_cpus"] = num
	g["cpu_model"] = model
	g["cpu_flags"] = flags
}

// memGrains fills mem_total and swap_total (MiB) from /proc/meminfo.
func (s *system) memGrains(_ context.Context, g map[string]any) {
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

// hwGrains fills Salt's _hw_data grains from /sys/class/dmi/id, each only
// when its file exists and can be read (product_uuid and product_serial
// are root-only).
func (s *system) hwGrains(_ context.Context, g map[string]any) {
	if !s.exists("/sys/class/dmi/id") {
		return
	}
	for grain, file := range map[string]string{
		"biosversion": "bios_version", "biosvendor": "bios_vendor", "boardname": "board_name",
		"productname": "product_name", "manufacturer": "sys_vendor", "biosreleasedate": "bios_date",
		"uuid": "product_uuid", "serialnumber": "product_serial",
	} {
		b, err := os.ReadFile(s.path("/sys/class/dmi/id/" + file))
		if err != nil {
			continue
		}
		v := strings.TrimSpace(strings.ToValidUTF8(string(b), "\uFFFD"))
		if grain == "uuid" {
			v = strings.ToLower(v)
		}
		g[grain] = v
	}
}

// gpuVendors are the vendors Salt's _linux_gpu_data names, by PCI vendor id.
func gpuVendors() map[string]string {
	return map[string]string{
		"0x10de": "nvidia", "0x1002": "amd", "0x1022": "amd", "0x8086": "intel",
		"0x1013": "cirrus logic", "0x15ad": "vmware", "0x102b": "matrox", "0x1a03": "aspeed",
	}
}

// gpuGrains fills num_gpus and gpus. Salt reports 0 and [] unless lspci is
// installed; then it lists the VGA and 3D controllers, read here from
// /sys/bus/pci (the model from the pci.ids lspci itself uses).
func (s *system) gpuGrains(_ context.Context, g map[string]any) {
	g["num_gpus"] = 0
	g["gpus"] = []any{}
	if s.which("lspci") == "" {
		return
	}
	devs, _ := filepath.Glob(s.path("/sys/bus/pci/devices") + "/*")
	sort.Strings(devs)
	var ids *pciIDs
	gpus := []any{}
	for _, d := range devs {
		class := strings.TrimSpace(readFile(filepath.Join(d, "class")))
		if !strings.HasPrefix(class, "0x0300") && !strings.HasPrefix(class, "0x0302") {
			continue
		}
		ven := strings.TrimSpace(readFile(filepath.Join(d, "vendor")))
		dev := strings.TrimSpace(readFile(filepath.Join(d, "device")))
		vendor := gpuVendors()[ven]
		if vendor == "" {
			vendor = "unknown"
		}
		if ids == nil {
			ids = s.loadPCIIDs()
		}
		gpus = append(gpus, map[string]any{"vendor": vendor, "model": ids.device(ven, dev)})
	}
	g["num_gpus"] = len(gpus)
	g["gpus"] = gpus
}

func readFile(p string) string {
	b, _ := os.ReadFile(p)
	return string(b)
}

// pciIDs is the device names of pci.ids, keyed "vvvv:dddd".
type pciIDs struct{ names map[string]string }

func (s *system) loadPCIIDs() *pciIDs {
	ids := &pciIDs{names: map[string]string{}}
	for _, p := range []string{"/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids"} {
		f, err := os.Open(s.path(p))
		if err != nil {
			continue
		}
		defer f.Close()
		vendor := ""
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			l := sc.Text()
			switch {
			case l == "" || l[0] == '#':
			case l[0] != '\t' && len(l) > 4:
				vendor = strings.ToLower(l[:4])
				if strings.HasPrefix(l, "C ") {
					return ids // device classes follow the vendors
				}
			case len(l) > 6 && l[0] == '\t' && l[1] != '\t':
				ids.names[vendor+":"+strings.ToLower(l[1:5])] = strings.TrimSpace(l[5:])
			}
		}
		return ids
	}
	return ids
}

// device names a PCI device as lspci -vmm's Device field does.
func (p *pciIDs) device(vendor, device string) string {
	v, d := strings.TrimPrefix(vendor, "0x"), strings.TrimPrefix(device, "0x")
	if n := p.names[v+":"+d]; n != "" {
		return n
	}
	return "Device " + d
}

// diskGrains fills disks and ssds from /sys/block (virtual devices left
// out), mdadm from /proc/mdstat and lvm from the device-mapper tables, as
// Salt's disks, mdadm and lvm grains do.
func (s *system) diskGrains(_ context.Context, g map[string]any) {
	disks, ssds := []any{}, []any{}
	entries, _ := filepath.Glob(s.path("/sys/block") + "/*")
	sort.Strings(entries)
	for _, e := range entries {
		if link, err := os.Readlink(e); err == nil && strings.HasPrefix(link, "../devices/virtual/") {
			continue
		}
		switch strings.TrimSpace(readFile(filepath.Join(e, "queue/rotational"))) {
		case "0":
			ssds = append(ssds, filepath.Base(e))
		case "1":
			disks = append(disks, filepath.Base(e))
		}
	}
	g["disks"], g["ssds"] = disks, ssds

	if b, err := os.ReadFile(s.path("/proc/mdstat")); err == nil {
		devs := []string{}
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "Personalities : ") || strings.HasPrefix(l, "unused devices:") {
				continue
			}
			if name, _, ok := strings.Cut(l, " : "); ok {
				devs = append(devs, name)
			}
		}
		sort.Strings(devs)
		out := make([]any, 0, len(devs))
		for i, d := range devs {
			if i == 0 || d != devs[i-1] {
				out = append(out, d)
			}
		}
		g["mdadm"] = out
	}

	if s.which("lvm") != "" {
		lvm := map[string]any{}
		dms, _ := filepath.Glob(s.path("/sys/block") + "/dm-*")
		sort.Strings(dms)
		for _, d := range dms {
			if !strings.HasPrefix(readFile(filepath.Join(d, "dm/uuid")), "LVM-") {
				continue
			}
			vg, lv, ok := splitDMName(strings.TrimSpace(readFile(filepath.Join(d, "dm/name"))))
			if !ok {
				continue
			}
			l, _ := lvm[vg].([]any)
			lvm[vg] = append(l, lv)
		}
		g["lvm"] = lvm
	}
}

// splitDMName splits a device-mapper name "vg-lv" ("-" inside a name is
// doubled) into its volume group and logical volume.
func splitDMName(n string) (vg, lv string, ok bool) {
	for i := 0; i < len(n); i++ {
		if n[i] != '-' {
			continue
		}
		if i+1 < len(n) && n[i+1] == '-' {
			i++
			continue
		}
		un := func(s string) string { return strings.ReplaceAll(s, "--", "-") }
		return un(n[:i]), un(n[i+1:]), true
	}
	return "", "", false
}

// kernelGrains' companion: kernelparams is /proc/cmdline split like a shell
// line, each item a [name, value] pair (value null unless "name=value").
func (s *system) kernelParams() ([]any, bool) {
	b, err := os.ReadFile(s.path("/proc/cmdline"))
	if err != nil {
		return nil, false
	}
	items, err := shlex.Split(string(b))
	if err != nil {
		return nil, false // Salt's shlex_split raises: no grain
	}
	out := []any{}
	for _, item := range items {
		parts := strings.Split(item, "=")
		var v any
		if len(parts) == 2 {
			v = strings.Trim(parts[1], `"`)
		}
		out = append(out, []any{parts[0], v})
	}
	return out, true
}
