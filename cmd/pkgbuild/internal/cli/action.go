package cli

import (
	"bytes"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pkgbuild/pkgbuild/cache"
	"github.com/pkgbuild/pkgbuild/emit"
	"github.com/pkgbuild/pkgbuild/manifest"
	"github.com/pkgbuild/pkgbuild/scanner"
)

// action is one build as the action cache sees it: a key made of
// everything known before building (the tool, the manifest's bytes, the
// output path and the flags that change the output) and, on a hit, the
// result of the last build with that key: every file and folder it read,
// with hashes, and the output's digest.
type action struct {
	c      *cache.Cache
	key    cache.ActionKey
	target string
	usable bool // the cache is on and the output is a file
	result cache.ActionResult

	// Set by noop when the last build's result is there but is not current:
	// that result, and what checking its inputs found (see cutoff).
	prev  *cache.ActionResult
	check cache.InputCheck
	// outputSame is set by noop when the output is, by its fingerprint,
	// the file the last build wrote: a new one may start from it.
	outputSame bool
	// last is the last build's layout and placement, set by cutoff.
	last struct {
		recs      []cache.OutputRecord
		placement []byte
	}
}

func newAction(c *cache.Cache, m *manifest.Manifest, target string, bf buildFlags) *action {
	a := &action{c: c, target: target}
	if c.Dir() == "" || strings.HasSuffix(target, "/") || strings.HasSuffix(target, string(os.PathSeparator)) {
		return a // no cache, or a folder output, which the cache does not vouch for
	}
	a.usable = true
	a.key = cache.ActionKey{
		ToolVersion: toolVersion(c),
		Manifest:    m.Source,
		Output:      absPath(target),
		Flags:       []string{"parents=" + m.Parents.String(), "manifest=" + absPath(m.Path)},
	}
	return a
}

func (a *action) explain() string {
	if !a.usable {
		return "pkgbuild: action cache: off (no cache, or a folder output)\n"
	}
	return "pkgbuild: action key:\n" + indent(a.key.String())
}

// noop reports whether the last build with this key is still current:
// every input has the bytes it had and the output is the one it wrote. It
// then replays the build's warnings, and moves the output's modification
// time forward when an input was touched since, so that make and ninja see
// the output as newer than its inputs. It returns the input files, for the
// depfile.
func (a *action) noop(e *env) ([]string, bool) {
	if !a.usable {
		return nil, false
	}
	res, ok := a.c.GetAction(a.key)
	if !ok || len(res.Inputs) == 0 {
		return nil, false
	}
	// record puts the output last, after the files and folders read.
	last := len(res.Inputs) - 1
	output := cache.ActionResult{Inputs: res.Inputs[last:]}
	read := cache.ActionResult{Inputs: res.Inputs[:last]}
	if output.Inputs[0].Path != absPath(a.target) {
		return nil, false
	}
	check := a.c.ChangedInputs(read)
	a.check = check
	if !check.OK {
		return nil, false
	}
	newest := check.Newest
	a.outputSame = a.outputUntouched(output)
	if len(check.Changed) > 0 || !a.outputSame && !a.c.InputsUnchanged(output) {
		read.OutputSum, read.Log = res.OutputSum, res.Log
		a.prev = &read
		return nil, false
	}
	a.result = res
	out, err := os.Stat(a.target)
	if err != nil {
		return nil, false
	}
	if newest.After(out.ModTime()) {
		now := time.Now()
		os.Chtimes(a.target, now, now)
	}
	a.refresh(res, check)
	io.WriteString(e.stderr, res.Log)
	return inputFiles(read), true
}

// refresh records res again when it is current but some inputs had to be
// read again (touched without a change, or racy when last hashed), or the
// output's time moved (by noop, or by make). Without it every later no-op
// build would read those files again; with it they cost a stat call each.
func (a *action) refresh(res cache.ActionResult, check cache.InputCheck) {
	last := len(res.Inputs) - 1
	st, err := cache.Fingerprint(a.target)
	if err != nil || check.Reread == 0 && st == res.Inputs[last].Stat {
		return
	}
	r := res
	r.Inputs = append(check.Current[:last:last], cache.InputFile{Path: absPath(a.target), Sum: res.OutputSum, Stat: st, Hashed: time.Now()})
	a.c.PutAction(a.key, r)
}

// inputFiles lists the files, not the folders, a build read.
func inputFiles(res cache.ActionResult) []string {
	var files []string
	for _, in := range res.Inputs {
		if !in.Stat.Mode.IsDir() {
			files = append(files, in.Path)
		}
	}
	return files
}

// cutoff returns the last build's layout when building again would
// resolve the same graph: the only inputs that changed are Python sources
// of the archive that scan exactly as they did (a comment edited, a
// function body changed without moving a line of its imports: see
// cache.ScansTo), so every decision, warning and record is the same
// and only the bytes of those sources differ. The build then writes the
// archive from that layout without resolving (early cutoff); anything else
// (a new import, a line moved, a folder's listing, a pickle, a resource, a
// [[from_package]] archive, no layout kept) resolves as usual. With no
// input changed (the output was deleted or written over), the archive is
// written again from the layout. noop must have run first.
func (a *action) cutoff() ([]cache.OutputRecord, *emit.Reuse, bool) {
	if a.prev == nil {
		return nil, nil, false
	}
	recs, placement, ok := a.c.ActionLayout(a.key, *a.prev)
	if !ok {
		return nil, nil, false
	}
	a.last.recs, a.last.placement = recs, placement
	scans := map[string][32]byte{}
	for _, r := range recs {
		if r.Module {
			scans[r.File] = r.Scan
		}
	}
	for _, in := range a.check.Changed {
		scan, ok := scans[in.Path]
		if !ok || !cache.ScansTo(in.Path, scan, scanner.Parse) {
			return nil, nil, false
		}
	}
	return recs, a.reuse(recs), true
}

// reuse says how much of the output the last build wrote a build laid out
// as recs can start from: the records, from the first, that are the same
// as the last layout's and whose files did not change. It needs the output
// untouched since, and cutoff to have found the last layout (even if it
// did not cut off: a build that resolves may still lay most records out
// as before).
func (a *action) reuse(recs []cache.OutputRecord) *emit.Reuse {
	var r emit.Reuse
	if !a.outputSame || a.last.recs == nil || r.Layout.UnmarshalBinary(a.last.placement) != nil {
		return nil
	}
	changed := map[string]bool{}
	for _, in := range a.check.Changed {
		changed[in.Path] = true
	}
	for r.Same < min(len(recs), len(a.last.recs)) {
		old, now := a.last.recs[r.Same], recs[r.Same]
		if old.Name != now.Name || old.File != now.File || old.Module != now.Module ||
			!bytes.Equal(old.Data, now.Data) || now.File != "" && changed[now.File] {
			break
		}
		r.Same++
	}
	return &r
}

// outputUntouched reports whether the output is, by its fingerprint, the
// file the last build wrote: the same size, modification and change times
// to the nanosecond, and inode mean no one has written it since. noop
// checks anything else by its hash, so an output merely touched (by make,
// or by a no-op build) is still recognised.
func (a *action) outputUntouched(output cache.ActionResult) bool {
	st, err := cache.Fingerprint(a.target)
	return err == nil && st == output.Inputs[0].Stat && st.ChangeTime != 0
}

// record stores what this build read (inputs: files, then folders) and
// wrote (the archive, with its digest, laid out as recs; nil recs when the
// layout cannot be reused) under its key, with the log it printed. Inputs
// not known yet come from hashing (see hashInputs), through the cache's
// stat fast path, so files the scanner just read are not read again.
func (a *action) record(inputs []cache.InputFile, hashing *hashing, recs []cache.OutputRecord, placement emit.Layout, log string, digest [32]byte) {
	if !a.usable {
		return
	}
	r := cache.ActionResult{OutputSum: hex.EncodeToString(digest[:]), Log: log, Records: recs, Inputs: inputs}
	if len(recs) > 0 && len(placement.Entries) == len(recs) {
		r.Placement, _ = placement.MarshalBinary()
	}
	hashed, err := hashing.result()
	if err != nil {
		return // an input vanished while building: do not vouch for this build
	}
	r.Inputs = append(r.Inputs, hashed...)
	st, err := cache.Fingerprint(a.target)
	if err != nil {
		return
	}
	r.OutputSize = st.Size
	r.Inputs = append(r.Inputs, cache.InputFile{Path: absPath(a.target), Sum: r.OutputSum, Stat: st, Hashed: time.Now()})
	a.c.PutAction(a.key, r)
}

// hashInputs starts hashing paths (see hashAll) for record, so that it
// runs while the output is written. The folder that will hold the output is
// hashed last, by result: writing the output adds a temporary file to it,
// then the output itself.
func (a *action) hashInputs(paths []string) *hashing {
	h := &hashing{c: a.c, paths: paths, done: make(chan struct{})}
	if !a.usable {
		close(h.done)
		return h
	}
	outDir := filepath.Dir(absPath(a.target))
	var early []string
	for i, p := range paths {
		if absPath(p) == outDir {
			h.late = append(h.late, i)
		} else {
			early = append(early, p)
		}
	}
	go func() {
		defer close(h.done)
		h.hashed, h.err = hashAll(a.c, early)
	}()
	return h
}

// hashing is the work hashInputs started.
type hashing struct {
	c      *cache.Cache
	paths  []string
	late   []int // indexes in paths of what result hashes
	done   chan struct{}
	hashed []cache.InputFile // what was hashed early, in order; valid after done
	err    error
}

// wait waits for the early hashing; a build that fails calls it before its
// cache is closed.
func (h *hashing) wait() { <-h.done }

// result returns every path's InputFile, in order.
func (h *hashing) result() ([]cache.InputFile, error) {
	h.wait()
	if h.err != nil || len(h.late) == 0 {
		return h.hashed, h.err
	}
	out := make([]cache.InputFile, 0, len(h.paths))
	out = append(out, h.hashed...)
	for _, i := range h.late {
		in, err := h.c.HashFile(h.paths[i])
		if err != nil {
			return nil, err
		}
		out = slices.Insert(out, i, in)
	}
	return out, nil
}

// hashAll hashes paths through c.HashFile, in order, on every core: the
// folders a build listed are read again to hash their listings.
func hashAll(c *cache.Cache, paths []string) ([]cache.InputFile, error) {
	out := make([]cache.InputFile, len(paths))
	errs := make([]error, len(paths))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), 1+len(paths)/64) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(paths); i = int(next.Add(1) - 1) {
				out[i], errs[i] = c.HashFile(paths[i])
			}
		})
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// toolVersion identifies this pkgbuild: its version and its executable, so
// that a rebuilt pkgbuild never trusts an older one's cache. A disabled
// cache needs no more than the version.
//
// The executable is named by the build ID the Go linker writes into it (a
// hash of everything that went into the link, which is what the go command
// itself relies on to tell builds apart), read from the ELF note without
// reading the program. Elsewhere, or without the note, it is named by its
// sha256, through the first cache that asks (whose stat fast path spares
// reading it on later runs), before that cache's pack is in use, so that a
// no-op build does not read the pack. Either is found once per process.
func toolVersion(c *cache.Cache) string {
	if c.Dir() == "" {
		return Version
	}
	exeID.once.Do(func() {
		exe, err := os.Executable()
		if err != nil {
			return
		}
		if id, ok := goBuildID(exe); ok {
			exeID.id = "buildid " + id
		} else if in, err := c.HashFile(exe); err == nil {
			exeID.id = in.Sum
		}
	})
	if exeID.id == "" {
		return Version
	}
	return fmt.Sprintf("%s %s", Version, exeID.id)
}

var exeID struct {
	once sync.Once
	id   string
}

// goBuildID returns the Go build ID in an ELF executable's
// .note.go.buildid section: a note named "Go\x00\x00" of type 4.
func goBuildID(exe string) (string, bool) {
	f, err := elf.Open(exe)
	if err != nil {
		return "", false
	}
	defer f.Close()
	s := f.Section(".note.go.buildid")
	if s == nil || s.Size > 4096 {
		return "", false
	}
	note, err := s.Data()
	if err != nil || len(note) < 16 {
		return "", false
	}
	order := f.ByteOrder
	nameSize, descSize, typ := order.Uint32(note), order.Uint32(note[4:]), order.Uint32(note[8:])
	if nameSize != 4 || typ != 4 || string(note[12:16]) != "Go\x00\x00" {
		return "", false
	}
	desc := note[16:]
	if uint64(descSize) > uint64(len(desc)) || descSize == 0 {
		return "", false
	}
	return string(desc[:descSize]), true
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n  ") + "\n"
}
