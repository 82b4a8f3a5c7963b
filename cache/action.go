package cache

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// ActionKey names one build by everything that decides its output. Its key
// is the sha256 of String's self-describing lines; print them (with a debug
// flag, say) to see why a build was not a no-op.
//
// Inputs the driver knows before building (files named by the manifest)
// belong in Inputs; only their Path and Sum enter the key, and their order
// does not matter. Inputs found while building (every module the resolver
// scanned) cannot be in the key: they go in the ActionResult, and
// InputsUnchanged checks them.
type ActionKey struct {
	ToolVersion string
	Manifest    []byte // the manifest's bytes
	Inputs      []InputFile
	Output      string   // the output's path
	Flags       []string // flags that change the output, in order
}

// String returns the lines the key is the hash of.
func (k ActionKey) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "pkgbuild action v%d\n", FormatVersion)
	fmt.Fprintf(&b, "tool %q\n", k.ToolVersion)
	fmt.Fprintf(&b, "manifest %x\n", sha256.Sum256(k.Manifest))
	inputs := slices.Clone(k.Inputs)
	slices.SortFunc(inputs, func(a, b InputFile) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), strings.Compare(a.Sum, b.Sum))
	})
	for _, in := range inputs {
		fmt.Fprintf(&b, "input %q %s\n", in.Path, in.Sum)
	}
	fmt.Fprintf(&b, "output %q\n", k.Output)
	for _, f := range k.Flags {
		fmt.Fprintf(&b, "flag %q\n", f)
	}
	return b.String()
}

func (k ActionKey) id() [32]byte { return sha256.Sum256([]byte(k.String())) }

// layoutID is the key of the entry that holds the layout of the output.
func (k ActionKey) layoutID() [32]byte { return sha256.Sum256([]byte(k.String() + "layout\n")) }

// ActionResult is what a build produced and what it read: enough to tell,
// next time, that building again would produce the same bytes.
type ActionResult struct {
	OutputSum  string // sha256 of the output's bytes, 64 lowercase hex digits
	OutputSize int64
	// Inputs are every file (and directory, whose listing HashFile hashes)
	// the build read, as HashFile returned them.
	Inputs []InputFile
	// Log is what the build printed besides its result (warnings and
	// notes), replayed on a hit so that output never depends on the cache.
	Log string
	// Records is how the output was laid out, in order, for a driver that
	// may build it again from the same plan when the only inputs that
	// changed are sources whose scan results did not (see ScansTo).
	// Empty when the driver cannot. PutAction stores it in an entry of its
	// own, which GetAction does not read (a no-op build does not need it):
	// ask ActionLayout.
	Records []OutputRecord
	// Placement is where the records lie in the output, for a driver that
	// writes the next output from this one (opaque to the cache; pkgbuild
	// stores an emit.Layout). Stored and returned with Records.
	Placement []byte
}

// OutputRecord is one record of an output: its name and where its bytes
// come from.
type OutputRecord struct {
	Name   string
	File   string // the file that holds the bytes; "" when Data does
	Data   []byte
	Module bool // File is a source the build scanned
	// Scan is, for a Module, the ScanSum of its scan result: an edit that
	// scans to the same (see ScansTo) cannot change the graph.
	Scan [32]byte
}

// GetAction returns the result PutAction stored for key.
func (c *Cache) GetAction(key ActionKey) (ActionResult, bool) {
	payload, ok := c.get(kindAction, key.id())
	if !ok {
		return ActionResult{}, false
	}
	res, err := decodeAction(payload)
	if err != nil {
		return ActionResult{}, false
	}
	return res, true
}

// PutAction stores res as the result of key. Failures degrade: see
// OpenOrDisable.
func (c *Cache) PutAction(key ActionKey, res ActionResult) {
	if len(res.Records) > 0 {
		c.put(kindLayout, key.layoutID(), encodeLayout(res.OutputSum, res.Records, res.Placement))
	}
	c.put(kindAction, key.id(), encodeAction(res))
}

// ActionLayout returns the Records and the Placement of res, the result
// GetAction returned for key, or false if they were not stored with it.
// (Two builds of one key may write the result and the layout one after the
// other; a layout is returned only with the result it was stored with.)
func (c *Cache) ActionLayout(key ActionKey, res ActionResult) ([]OutputRecord, []byte, bool) {
	payload, ok := c.get(kindLayout, key.layoutID())
	if !ok {
		return nil, nil, false
	}
	sum, recs, placement, err := decodeLayout(payload)
	if err != nil || sum != res.OutputSum || len(recs) == 0 {
		return nil, nil, false
	}
	return recs, placement, true
}

// InputsUnchanged reports whether every input of res still has the bytes it
// had. An input whose fingerprint is unchanged and was not racy when it was
// hashed costs one stat call; any other is read and hashed again, so a file
// that was only touched still counts as unchanged. A missing
// input is a change. Relative paths are relative to the current directory.
func (c *Cache) InputsUnchanged(res ActionResult) bool {
	check := c.checkInputs(res, true)
	return check.OK && len(check.Changed) == 0
}

// InputCheck is what ChangedInputs found.
type InputCheck struct {
	OK      bool        // every input is there and could be read
	Changed []InputFile // the inputs whose bytes changed, as recorded
	// Current is every input as it is now, in order: the recorded
	// InputFile when its fingerprint vouched for it, else a fresh HashFile.
	Current []InputFile
	// Newest is the newest modification time among the inputs, read by
	// the same stat calls, so that a no-op build can tell whether its
	// output must be touched without a second pass.
	Newest time.Time
	// Reread counts the inputs read and hashed again because their
	// fingerprint did not vouch for them (changed, touched or racy).
	Reread int
}

// ChangedInputs checks every input of res as InputsUnchanged does, without
// stopping at the first change.
func (c *Cache) ChangedInputs(res ActionResult) InputCheck {
	return c.checkInputs(res, false)
}

func (c *Cache) checkInputs(res ActionResult, first bool) (check InputCheck) {
	if first || len(res.Inputs) < parallelCheck {
		return c.checkRange(res.Inputs, first)
	}
	// Stat calls are most of a no-op build: split the inputs across the
	// cores, and join the parts in order.
	parts := make([]InputCheck, min(runtime.GOMAXPROCS(0), len(res.Inputs)/parallelCheck*2))
	var wg sync.WaitGroup
	for i := range parts {
		lo, hi := i*len(res.Inputs)/len(parts), (i+1)*len(res.Inputs)/len(parts)
		wg.Go(func() { parts[i] = c.checkRange(res.Inputs[lo:hi], false) })
	}
	wg.Wait()
	check.Current = make([]InputFile, 0, len(res.Inputs))
	for _, p := range parts {
		if !p.OK {
			return InputCheck{}
		}
		check.Changed = append(check.Changed, p.Changed...)
		check.Current = append(check.Current, p.Current...)
		check.Reread += p.Reread
		if p.Newest.After(check.Newest) {
			check.Newest = p.Newest
		}
	}
	check.OK = true
	return check
}

// parallelCheck is the number of inputs below which one goroutine checks
// them all.
const parallelCheck = 256

// checkRange checks inputs in order, as checkInputs does.
func (c *Cache) checkRange(inputs []InputFile, first bool) (check InputCheck) {
	if !first {
		check.Current = make([]InputFile, 0, len(inputs))
	}
	var fi fileInfo
	for _, in := range inputs {
		if err := statInto(in.Path, &fi); err != nil {
			return check
		}
		if mt := fi.ModTime(); mt.After(check.Newest) {
			check.Newest = mt
		}
		now := in
		if st := c.fingerprint(&fi); st != in.Stat || racy(st, in.Hashed) {
			// Hashed directly, not through HashFile's stat entries: those
			// live in the pack, which a no-op build does not load.
			var err error
			if _, now, _, err = c.readFile(in.Path, true, false, nil); err != nil {
				return check
			}
			check.Reread++
		}
		if now.Sum != in.Sum {
			check.Changed = append(check.Changed, in)
			if first {
				break
			}
		}
		if !first {
			check.Current = append(check.Current, now)
		}
	}
	check.OK = true
	return check
}

// Action payload: output sum string, output size varint, count inputs,
// each: path string, sum string, FileStat, hashed time; log string.
//
// Layout payload: output sum string; count records, each: name string,
// file string, data string, module bool, and for a module its scan digest
// string; placement string.
const (
	minInputSize  = 9 // bytes of the shortest encoded InputFile
	minRecordSize = 4
)

// inputOverhead bounds what encodeAction writes for an input besides the
// bytes of its path and sum: two lengths, a FileStat and a time, each a
// varint. Sizing the buffer up front spares copying a large action's
// encoding as it grows.
const inputOverhead = 9 * binary.MaxVarintLen64

func encodeAction(res ActionResult) []byte {
	n := len(res.OutputSum) + len(res.Log) + 3*binary.MaxVarintLen64
	for _, in := range res.Inputs {
		n += len(in.Path) + len(in.Sum) + inputOverhead
	}
	e := encoder{b: make([]byte, 0, n)}
	e.string(res.OutputSum)
	e.varint(res.OutputSize)
	e.uvarint(uint64(len(res.Inputs)))
	for _, in := range res.Inputs {
		e.string(in.Path)
		e.string(in.Sum)
		encodeFileStat(&e, in.Stat)
		encodeTime(&e, in.Hashed)
	}
	e.string(res.Log)
	return e.b
}

func encodeLayout(outputSum string, recs []OutputRecord, placement []byte) []byte {
	n := len(outputSum) + len(placement) + 3*binary.MaxVarintLen64
	for _, r := range recs {
		n += len(r.Name) + len(r.File) + len(r.Data) + len(r.Scan) + 4*binary.MaxVarintLen64 + 1
	}
	e := encoder{b: make([]byte, 0, n)}
	e.string(outputSum)
	e.uvarint(uint64(len(recs)))
	for _, r := range recs {
		e.string(r.Name)
		e.string(r.File)
		e.string(string(r.Data))
		e.bool(r.Module)
		if r.Module {
			e.string(string(r.Scan[:]))
		}
	}
	e.string(string(placement))
	return e.b
}

func decodeAction(b []byte) (ActionResult, error) {
	d := newDecoder(b)
	var res ActionResult
	res.OutputSum = d.string()
	res.OutputSize = d.varint()
	if n := d.count(minInputSize); n > 0 {
		res.Inputs = make([]InputFile, n)
		for i := range res.Inputs {
			in := &res.Inputs[i]
			in.Path = d.string()
			in.Sum = d.string()
			in.Stat = decodeFileStat(d)
			in.Hashed = decodeTime(d)
		}
	}
	res.Log = d.string()
	if err := d.finish(); err != nil {
		return ActionResult{}, err
	}
	return res, nil
}

func decodeLayout(b []byte) (outputSum string, recs []OutputRecord, placement []byte, err error) {
	d := newDecoder(b)
	outputSum = d.string()
	if n := d.count(minRecordSize); n > 0 {
		recs = make([]OutputRecord, n)
		for i := range recs {
			r := &recs[i]
			r.Name = d.string()
			r.File = d.string()
			if data := d.stringMax(maxPayload); data != "" {
				r.Data = []byte(data)
			}
			r.Module = d.bool()
			if r.Module {
				if scan := d.string(); len(scan) == len(r.Scan) {
					copy(r.Scan[:], scan)
				} else {
					d.fail("record %d: scan digest of %d bytes", i, len(scan))
				}
			}
		}
	}
	if p := d.stringMax(maxPayload); p != "" {
		placement = []byte(p)
	}
	if err := d.finish(); err != nil {
		return "", nil, nil, err
	}
	return outputSum, recs, placement, nil
}
