package resolver

import (
	"fmt"
	"sort"
)

// stdlibDeltas describe each supported target Python's top-level standard
// library names relative to CPython 3.11's sys.stdlib_module_names, from the
// "What's New" removal and addition lists of each release. Only top-level
// names matter: torch.package externs a module when its first segment is one
// of them.
var stdlibDeltas = map[string]struct{ add, remove []string }{
	"3.8": {
		add:    []string{"_bootlocale", "_dummy_thread", "dummy_threading", "formatter", "macpath", "parser", "symbol"},
		remove: []string{"_typing", "graphlib", "tomllib", "zoneinfo", "_zoneinfo"},
	},
	"3.9": {
		add:    []string{"_bootlocale", "formatter", "parser", "symbol"},
		remove: []string{"tomllib"},
	},
	"3.10": {
		add:    []string{"_bootlocale"},
		remove: []string{"tomllib"},
	},
	"3.11": {},
	"3.12": {
		add:    []string{"_pydatetime", "_pylong", "_wmi"},
		remove: []string{"asynchat", "asyncore", "distutils", "imp", "smtpd"},
	},
	"3.13": {
		add: []string{"_pydatetime", "_pylong", "_wmi", "_interpchannels", "_interpqueues",
			"_interpreters", "_opcode_metadata", "_pyrepl", "_suggestions", "_sysconfig", "_colorize"},
		remove: []string{"asynchat", "asyncore", "distutils", "imp", "smtpd", "aifc", "audioop", "cgi", "cgitb",
			"chunk", "crypt", "_crypt", "imghdr", "lib2to3", "mailcap", "msilib", "_msi", "nis", "nntplib",
			"ossaudiodev", "pipes", "sndhdr", "spwd", "sunau", "telnetlib", "uu", "xdrlib"},
	},
}

// SupportedPythons lists the target interpreter versions pkgbuild knows the
// standard library of, oldest first.
func SupportedPythons() []string {
	var vs []string
	for v := range stdlibDeltas {
		vs = append(vs, v)
	}
	sort.Slice(vs, func(i, j int) bool { return versionLess(vs[i], vs[j]) })
	return vs
}

func versionLess(a, b string) bool {
	var am, an, bm, bn int
	fmt.Sscanf(a, "%d.%d", &am, &an)
	fmt.Sscanf(b, "%d.%d", &bm, &bn)
	if am != bm {
		return am < bm
	}
	return an < bn
}

// Stdlib returns the set of top-level standard library module names of the
// target Python version ("3.11"), or an error for an unknown version.
func Stdlib(version string) (map[string]bool, error) {
	d, ok := stdlibDeltas[version]
	if !ok {
		return nil, fmt.Errorf("unsupported target python %q (supported: %v)", version, SupportedPythons())
	}
	set := make(map[string]bool, len(stdlib311)+len(d.add))
	for _, m := range stdlib311 {
		set[m] = true
	}
	for _, m := range d.remove {
		delete(set, m)
	}
	for _, m := range d.add {
		set[m] = true
	}
	return set, nil
}
