package reader

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/pkgbuild/pkgbuild/scanner/pickle"
)

// Report is what Audit finds in an archive.
type Report struct {
	Pickles  []PickleReport
	Findings []Finding
}

// PickleReport is one pickle of the archive and everything it references.
type PickleReport struct {
	Record   string
	Protocol int
	// Sniffed is set for a pickle whose name does not end in ".pkl":
	// load_pickle loads any record, so Audit also scans records that start
	// like a pickle of protocol 2 or later.
	Sniffed bool
	// TorchScript is set for pickles below .data/ts_code/, which torch.jit's
	// C++ unpickler loads: it imports no Python module, so only the
	// dangerous-globals check applies.
	TorchScript   bool
	Globals       []GlobalRef
	PersistentIDs []pickle.PersistentID
	// Err is the scan error of a malformed pickle; Globals then holds what
	// precedes the fault, which an unpickler would import before failing.
	Err error
}

// GlobalRef is one global a pickle imports, and what Audit made of it.
type GlobalRef struct {
	pickle.Global
	// Module and Name after the renaming the unpickler applies to pickles
	// of protocol 0 to 2 (_compat_pickle: __builtin__ -> builtins); the
	// same as Global's otherwise.
	ImportModule, ImportName string
	Origin                   Origin // where PackageImporter would import it from
	Danger                   string // why it is dangerous, or ""
}

// Finding is one problem Audit reports.
type Finding struct {
	Record string // the pickle, or the record a structural problem is in
	Global string // "module.name", or "" when the finding is not about one global
	Offset int    // byte offset in the pickle; -1 when not about one opcode
	Reason string
}

func (f Finding) String() string {
	if f.Global == "" {
		return fmt.Sprintf("%s: %s", f.Record, f.Reason)
	}
	return fmt.Sprintf("%s: %s: %s", f.Record, f.Global, f.Reason)
}

// Audit scans every pickle of the archive without loading it: the .pkl
// records and any other record that starts like a pickle (except tensor
// storages). For each global it imports (GLOBAL, INST, STACK_GLOBAL with
// its operands followed through the memo, EXT) and each persistent ID, it
// finds:
//
//   - a global whose module PackageImporter cannot import: neither in the
//     package nor extern (nor allowed implicitly), so loading fails;
//   - a STACK_GLOBAL or EXT whose module and name cannot be known without
//     running the pickle;
//   - a global on the dangerous list (see [Dangerous]);
//   - a persistent ID PackageImporter cannot load: not a tuple, an
//     unknown kind, or a storage whose .data/<key>.storage is missing;
//   - a pickle the Python unpickler would reject as malformed.
//
// It also reports what [Archive.Check] finds. allow lists globals
// ("module.name") whose findings are not reported. Audit returns an error
// only when a record cannot be read.
func Audit(a *Archive, allow []string) (*Report, error) {
	allowed := make(map[string]bool, len(allow))
	for _, g := range allow {
		allowed[g] = true
	}
	rep := &Report{}
	for _, p := range a.Check() {
		rep.Findings = append(rep.Findings, Finding{Record: p.Record, Offset: -1, Reason: p.Msg})
	}
	pkls := map[string]bool{}
	for _, name := range a.Pickles() {
		pkls[name] = true
	}
	for _, name := range a.Records() {
		sniffed := false
		if !pkls[name] {
			ok, err := a.looksLikePickle(name)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			sniffed = true
		}
		data, err := a.Read(name)
		if err != nil {
			return nil, err
		}
		pr := a.InspectPickle(name, data)
		if sniffed && pr.Err != nil {
			continue // binary data that happens to start with 0x80
		}
		pr.Sniffed = sniffed
		rep.Pickles = append(rep.Pickles, pr)
		rep.Findings = append(rep.Findings, a.pickleFindings(pr, allowed)...)
	}
	return rep, nil
}

// InspectPickle scans data, the pickle held by record name, and says where
// PackageImporter would import each of its globals from and which are
// dangerous. It does not set Sniffed.
func (a *Archive) InspectPickle(name string, data []byte) PickleReport {
	info, err := pickle.Scan(data)
	pr := PickleReport{
		Record: name, Protocol: info.Protocol, Err: err,
		TorchScript:   strings.HasPrefix(name, ".data/ts_code/"),
		PersistentIDs: info.PersistentIDs,
	}
	for _, g := range info.Globals {
		pr.Globals = append(pr.Globals, a.globalRef(g, info.Protocol))
	}
	return pr
}

// Findings lists the findings Audit reports for one pickle, except the
// globals in allow ("module.name").
func (a *Archive) Findings(pr PickleReport, allow []string) []Finding {
	allowed := make(map[string]bool, len(allow))
	for _, g := range allow {
		allowed[g] = true
	}
	return a.pickleFindings(pr, allowed)
}

// looksLikePickle reports whether a record that is not named *.pkl starts
// with PROTO 2 to 5. Tensor storages and sources are skipped.
func (a *Archive) looksLikePickle(name string) (bool, error) {
	if strings.HasSuffix(name, ".py") || strings.HasSuffix(name, ".storage") ||
		(strings.HasPrefix(name, ".data/") && !strings.HasPrefix(name, ".data/ts_code/")) {
		return false, nil
	}
	if n, _ := a.Size(name); n < 3 {
		return false, nil
	}
	rc, err := a.Open(name)
	if err != nil {
		return false, err
	}
	defer rc.Close()
	var head [2]byte
	if _, err := io.ReadFull(rc, head[:]); err != nil {
		return false, err
	}
	return head[0] == 0x80 && 2 <= head[1] && head[1] <= 5, nil
}

func (a *Archive) globalRef(g pickle.Global, proto int) GlobalRef {
	ref := GlobalRef{Global: g, ImportModule: g.Module, ImportName: g.Name}
	if g.Unresolved {
		return ref
	}
	if proto < 3 {
		if mn, ok := compatNames[g.Module+" "+g.Name]; ok {
			ref.ImportModule, ref.ImportName = mn[0], mn[1]
		} else if m, ok := compatModules[g.Module]; ok {
			ref.ImportModule = m
		}
	}
	ref.Origin = a.Resolve(ref.ImportModule)
	ref.Danger = Dangerous(ref.ImportModule, ref.ImportName)
	if ref.Danger == "" {
		ref.Danger = Dangerous(g.Module, g.Name)
	}
	return ref
}

func (a *Archive) pickleFindings(pr PickleReport, allowed map[string]bool) []Finding {
	var out []Finding
	seen := map[string]bool{}
	add := func(f Finding) {
		if f.Global != "" && allowed[f.Global] {
			return
		}
		key := f.Global + "\x00" + f.Reason
		if seen[key] {
			return
		}
		seen[key] = true
		out = append(out, f)
	}
	if pr.Err != nil {
		add(Finding{Record: pr.Record, Offset: errOffset(pr.Err), Reason: "malformed pickle: " + pr.Err.Error()})
	}
	for _, g := range pr.Globals {
		if g.Unresolved {
			what := "STACK_GLOBAL whose module and name are computed while loading: they cannot be known without running the pickle"
			if strings.HasPrefix(g.Opcode, "EXT") {
				what = g.Opcode + " imports through the loading process's copyreg extension registry: the global cannot be known from the pickle"
			}
			add(Finding{Record: pr.Record, Offset: g.Offset, Reason: fmt.Sprintf("%s (offset %d)", what, g.Offset)})
			continue
		}
		name := g.ImportModule + "." + g.ImportName
		if allowed[g.Module+"."+g.Name] {
			continue
		}
		if g.Danger != "" {
			add(Finding{Record: pr.Record, Global: name, Offset: g.Offset, Reason: "dangerous: " + g.Danger})
		}
		if !pr.TorchScript && g.Origin == Missing {
			add(Finding{Record: pr.Record, Global: name, Offset: g.Offset,
				Reason: fmt.Sprintf("module %s is neither in the package nor extern: PackageImporter cannot import it", g.ImportModule)})
		}
	}
	if !pr.TorchScript {
		for _, p := range pr.PersistentIDs {
			if reason := a.persistentIDProblem(p); reason != "" {
				add(Finding{Record: pr.Record, Offset: p.Offset, Reason: fmt.Sprintf("persistent ID %s at offset %d: %s", p, p.Offset, reason)})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Offset < out[j].Offset })
	return out
}

// persistentIDProblem checks a persistent ID as PackageImporter's
// persistent_load would take it.
func (a *Archive) persistentIDProblem(p pickle.PersistentID) string {
	switch {
	case p.Unresolved:
		return "its value is computed while loading and cannot be known without running the pickle"
	case p.Opcode == "PERSID" || len(p.Tuple) == 0 || p.Kinds[0] != pickle.KindString && p.Kinds[0] != pickle.KindBytes:
		return "PackageImporter expects a tuple starting with a type name"
	}
	switch typ := p.Tuple[0]; typ {
	case "storage":
		if len(p.Tuple) != 5 {
			return fmt.Sprintf("a storage ID has 5 elements, this one %d", len(p.Tuple))
		}
		if k := p.Kinds[2]; k != pickle.KindInt && k != pickle.KindString && k != pickle.KindBytes {
			return "the storage key is not a constant"
		}
		rec := ".data/" + p.Tuple[2] + ".storage"
		if !a.Has(rec) {
			return fmt.Sprintf("the record %s is missing", rec)
		}
	case "reduce_package":
		// The function it calls is one of the pickle's globals, checked above.
	default:
		return fmt.Sprintf("unknown type %q (PackageImporter knows storage and reduce_package)", typ)
	}
	return ""
}

func errOffset(err error) int {
	if pe, ok := err.(*pickle.Error); ok {
		return pe.Offset
	}
	return -1
}
