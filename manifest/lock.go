package manifest

import (
	"bufio"
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// LockVersion is the format version of pkgbuild.lock this package writes
// and the newest it reads.
const LockVersion = 1

// Lock is the content of pkgbuild.lock: what a manifest resolved to, so a
// review or a pre-commit hook sees every change in what the package holds.
//
// The text form is line-oriented, sorted and diff-friendly:
//
//	# pkgbuild.lock: written by `pkgbuild lock`; `pkgbuild check` compares it. Do not edit.
//	version 1
//	package sha256:<hex>
//	module extern math
//	module intern tinynet sha256:<hex>
//	module mock tinynet.training
//	pickle tinynet/config.pkl sha256:<hex>
//	resource tinynet/assets/vocab.txt sha256:<hex>
//
// Modules are sorted by name, then pickles and resources by archive path.
// An interned module carries the sha256 of its source; a namespace package
// has none.
type Lock struct {
	Package   string // "sha256:<hex>" of the archive
	Modules   []LockModule
	Pickles   []LockFile
	Resources []LockFile
}

// LockModule is one module line.
type LockModule struct {
	Name   string
	Action string // intern, extern, mock
	Hash   string // "sha256:<hex>" of the source, interned modules only
}

// LockFile is one pickle or resource line.
type LockFile struct {
	Path string // below the archive's top folder
	Hash string
}

// Format renders the lock in its canonical text form.
func (l *Lock) Format() []byte {
	var b bytes.Buffer
	b.WriteString("# pkgbuild.lock: written by `pkgbuild lock`; `pkgbuild check` compares it. Do not edit.\n")
	fmt.Fprintf(&b, "version %d\n", LockVersion)
	fmt.Fprintf(&b, "package %s\n", l.Package)
	mods := append([]LockModule(nil), l.Modules...)
	sort.Slice(mods, func(i, j int) bool { return mods[i].Name < mods[j].Name })
	for _, m := range mods {
		if m.Hash != "" {
			fmt.Fprintf(&b, "module %s %s %s\n", m.Action, m.Name, m.Hash)
		} else {
			fmt.Fprintf(&b, "module %s %s\n", m.Action, m.Name)
		}
	}
	for _, kind := range []struct {
		word  string
		files []LockFile
	}{{"pickle", l.Pickles}, {"resource", l.Resources}} {
		files := append([]LockFile(nil), kind.files...)
		sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
		for _, f := range files {
			fmt.Fprintf(&b, "%s %s %s\n", kind.word, quotePath(f.Path), f.Hash)
		}
	}
	return b.Bytes()
}

// ParseLock reads a lock file. Every problem is an *Error with the file and
// line: conflict markers left by a merge, a newer format version, a line
// that is not one of the forms above, a malformed hash.
func ParseLock(path string, data []byte) (*Lock, error) {
	l := &Lock{}
	var errs List
	bad := func(line int, msg, fix string) {
		errs = append(errs, &Error{File: path, Line: line, Col: 1, Msg: msg, Fix: fix})
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	sawVersion := false
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.HasPrefix(line, "<<<<<<<") || strings.HasPrefix(line, "=======") || strings.HasPrefix(line, ">>>>>>>") || strings.HasPrefix(line, "|||||||") {
			bad(n, "merge conflict marker in the lock file", "do not merge lock files by hand: run `pkgbuild lock` to write it again")
			continue
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue // a line of spaces
		}
		switch {
		case f[0] == "version" && len(f) == 2:
			v, err := strconv.Atoi(f[1])
			switch {
			case err != nil || v < 1:
				bad(n, fmt.Sprintf("bad lock version %q", f[1]), "run `pkgbuild lock` to write it again")
			case v > LockVersion:
				bad(n, fmt.Sprintf("lock format version %d is newer than this pkgbuild reads (%d)", v, LockVersion), "upgrade pkgbuild, or run `pkgbuild lock` to write it in this version's format")
			}
			sawVersion = true
		case f[0] == "package" && len(f) == 2 && validHash(f[1]):
			l.Package = f[1]
		case f[0] == "module" && (len(f) == 3 || len(f) == 4) && (f[1] == "intern" || f[1] == "extern" || f[1] == "mock"):
			m := LockModule{Action: f[1], Name: f[2]}
			if len(f) == 4 {
				if !validHash(f[3]) {
					bad(n, fmt.Sprintf("malformed hash %q", f[3]), "run `pkgbuild lock` to write it again")
					continue
				}
				m.Hash = f[3]
			}
			l.Modules = append(l.Modules, m)
		case (f[0] == "pickle" || f[0] == "resource") && len(f) == 3 && validHash(f[2]):
			p, err := strconv.Unquote(`"` + f[1] + `"`)
			if err != nil {
				bad(n, fmt.Sprintf("malformed path %q", f[1]), "run `pkgbuild lock` to write it again")
				continue
			}
			if f[0] == "pickle" {
				l.Pickles = append(l.Pickles, LockFile{p, f[2]})
			} else {
				l.Resources = append(l.Resources, LockFile{p, f[2]})
			}
		default:
			bad(n, fmt.Sprintf("unrecognised lock line %q", truncate(line, 80)), "the lock is written by `pkgbuild lock`; run it again instead of editing")
		}
	}
	if err := sc.Err(); err != nil {
		bad(n+1, err.Error(), "run `pkgbuild lock` to write it again")
	}
	if !sawVersion && len(errs) == 0 {
		bad(1, "lock file has no version line", "run `pkgbuild lock` to write it again")
	}
	if l.Package == "" && len(errs) == 0 {
		bad(1, "lock file has no package line", "run `pkgbuild lock` to write it again")
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return l, nil
}

// quotePath writes a path as one field: Go string escapes without the
// quotes, and spaces as \x20.
func quotePath(p string) string {
	q := strconv.Quote(p)
	return strings.ReplaceAll(q[1:len(q)-1], " ", `\x20`)
}

func validHash(s string) bool {
	h, ok := strings.CutPrefix(s, "sha256:")
	if !ok || len(h) != 64 {
		return false
	}
	for _, c := range h {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
