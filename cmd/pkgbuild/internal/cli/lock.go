package cli

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/pkgbuild/pkgbuild/emit"
	"github.com/pkgbuild/pkgbuild/emit/reader"
	"github.com/pkgbuild/pkgbuild/manifest"
	"github.com/pkgbuild/pkgbuild/resolver"
)

func init() {
	register(&command{
		name:    "lock",
		summary: "write pkgbuild.lock: every module, resource and pickle with its hash",
		usage: `usage: pkgbuild lock [-m MANIFEST]

Resolves the manifest and writes pkgbuild.lock next to it: every module
with its action and the sha256 of its source, every resource and pickle
with its hash, and the package's digest. The file is text, sorted and
diff-friendly, so a review shows what a change does to the package.
Commit it; 'pkgbuild check' (and the pkgbuild-check pre-commit hook)
fails when it is out of date.

Example:
  pkgbuild lock -m examples/tinynet/pkgbuild.toml
`,
		run: runLock,
	})
	register(&command{
		name:    "check",
		summary: "resolve without writing a package; compare pkgbuild.lock",
		usage: `usage: pkgbuild check [-m MANIFEST]

Resolves the manifest without writing a package. Exits 0 when everything
resolves and pkgbuild.lock (if present) is current; 1 with the packaging
errors; 4 with a unified diff of the lock when it is out of date (run
'pkgbuild lock' to update it). A lock file edited by hand, left with merge
conflict markers or written by a newer pkgbuild is an error (exit 2).

Example:
  pkgbuild check -m examples/tinynet/pkgbuild.toml
`,
		run: runCheck,
	})
}

func lockPath(m *manifest.Manifest) string { return filepath.Join(m.Dir, "pkgbuild.lock") }

func runLock(e *env, args []string) int {
	res, code, ok := resolveCommand(e, "lock", args)
	if !ok {
		return code
	}
	lock, err := makeLock(res)
	if err != nil {
		return e.report(err)
	}
	path := lockPath(res.manifest)
	if err := writeFileAtomic(path, lock.Format()); err != nil {
		return e.report(fail(ExitIO, "lock: %v", err))
	}
	fmt.Fprintf(e.stdout, "%s  %s\n", lock.Package, path)
	return ExitOK
}

func runCheck(e *env, args []string) int {
	res, code, ok := resolveCommand(e, "check", args)
	if !ok {
		return code
	}
	path := lockPath(res.manifest)
	old, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(e.stdout, "ok: %s resolves (no pkgbuild.lock to compare)\n", res.manifest.Path)
		return ExitOK
	}
	if err != nil {
		return e.report(fail(ExitIO, "check: %v", err))
	}
	if _, err := manifest.ParseLock(path, old); err != nil {
		return e.report(&exitError{code: ExitUsage, err: err})
	}
	lock, err := makeLock(res)
	if err != nil {
		return e.report(err)
	}
	now := lock.Format()
	if bytes.Equal(old, now) {
		fmt.Fprintf(e.stdout, "ok: %s is current\n", path)
		return ExitOK
	}
	fmt.Fprint(e.stdout, reader.UnifiedDiff(path+" (committed)", path+" (now)", old, now))
	fmt.Fprintf(e.stderr, "pkgbuild: %s is out of date; run 'pkgbuild lock -m %s' to update it\n", path, res.manifest.Path)
	return ExitOutdated
}

// resolveCommand parses the flags shared by commands that only resolve a
// manifest, and resolves it.
func resolveCommand(e *env, name string, args []string) (*resolution, int, bool) {
	c := lookup(name)
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	var bf buildFlags
	bf.register(fs)
	pos, code, ok := parse(c, e, fs, args)
	if !ok {
		return nil, code, false
	}
	if len(pos) > 0 {
		return nil, e.report(fail(ExitUsage, "%s: unexpected argument %q (the manifest is given with -m)", name, pos[0])), false
	}
	res, err := resolve(e, bf)
	if err != nil {
		return nil, e.report(err), false
	}
	return res, 0, true
}

// makeLock hashes every input and the archive the build would write.
func makeLock(res *resolution) (*manifest.Lock, error) {
	lock := &manifest.Lock{}
	for _, name := range res.graph.Order {
		n := res.graph.Nodes[name]
		if n.IsPickle {
			continue
		}
		m := manifest.LockModule{Name: name, Action: n.Action.String()}
		switch n.Action {
		case resolver.Intern:
			if n.Data != nil {
				m.Hash = hashData(n.Data)
			} else if n.File != "" {
				h, err := hashFile(n.File)
				if err != nil {
					return nil, err
				}
				m.Hash = h
			}
		case resolver.Extern, resolver.Mock:
		default:
			continue
		}
		lock.Modules = append(lock.Modules, m)
	}
	for _, p := range res.config.Pickles {
		if p.Data != nil {
			continue // from an archive: see lockRepacked
		}
		h, err := hashFile(p.File)
		if err != nil {
			return nil, err
		}
		lock.Pickles = append(lock.Pickles, manifest.LockFile{Path: resourcePath(p.Package, p.Name), Hash: h})
	}
	for _, r := range res.config.Resources {
		if r.FromArchive {
			continue
		}
		h, err := hashFile(r.File)
		if err != nil {
			return nil, err
		}
		lock.Resources = append(lock.Resources, manifest.LockFile{Path: resourcePath(r.Package, r.Name), Hash: h})
	}
	if err := lockRepacked(lock, res.repacked); err != nil {
		return nil, err
	}
	top, err := emit.TopFolder(res.output())
	if err != nil {
		return nil, fail(ExitUsage, "%v", err)
	}
	h := sha256.New()
	if err := emit.WriteZip(h, top, plan(res)); err != nil {
		return nil, fail(ExitIO, "%v", err)
	}
	lock.Package = fmt.Sprintf("sha256:%x", h.Sum(nil))
	return lock, nil
}

// output is the archive the manifest names, or "package.pt" when it names
// none (the lock's digest then assumes that top folder).
func (r *resolution) output() string {
	if r.manifest.Output != "" {
		return r.manifest.Output
	}
	return "package.pt"
}

func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fail(ExitIO, "%v", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fail(ExitIO, "read %s: %v", path, err)
	}
	return fmt.Sprintf("sha256:%x", h.Sum(nil)), nil
}

// writeFileAtomic writes data to path through a temporary file in the same
// folder and a rename, so readers see the old file or the new, never half.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
