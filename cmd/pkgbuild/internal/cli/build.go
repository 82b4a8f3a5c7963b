package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pkgbuild/pkgbuild/cache"
	"github.com/pkgbuild/pkgbuild/emit"
	"github.com/pkgbuild/pkgbuild/emit/repack"
	"github.com/pkgbuild/pkgbuild/manifest"
	"github.com/pkgbuild/pkgbuild/resolver"
	"github.com/pkgbuild/pkgbuild/scanner"
)

func init() {
	register(&command{
		name:    "build",
		summary: "build a torch.package archive from a manifest",
		usage: `usage: pkgbuild build [-m MANIFEST] [-o OUT] [--depfile FILE] [--parents intern|torch]
                      [--no-cache | --cache-dir DIR] [--explain]

Reads the manifest (default ./pkgbuild.toml), scans the Python sources it
reaches without running them, decides every module as torch.package would,
and writes the archive atomically (to a temporary file, then renamed): the
previous output or none is left on any failure, never a partial one.

The output is byte-for-byte the same for the same inputs, whatever the file
times, directory order, working directory, umask, locale or time zone. OUT
ending in "/" writes the unzipped folder that torch's DirectoryReader loads
(open it as PackageImporter("OUT"), without the slash). --depfile writes
"OUT: inputs..." for make's -include and ninja's depfile (deps = gcc).

Every problem is reported at once, grouped by reason, with the import chain
that caused it and a fix; warnings and notes do not fail the build.

An unchanged build is a no-op: the cache remembers every file and folder
the last build read, and when none changed (and the output is the one it
wrote) nothing is rewritten; warnings are printed again, and the output's
time moves forward only if an input was touched. When the only sources
that changed still scan exactly as before (same imports at the same
lines: a comment, a function body), the graph is the same, and the archive
is written from the last build's layout without resolving (early cutoff).
Either way, the records before the first one that changed are copied from
the last archive (checked against what the cache recorded of it) rather
than read and hashed again. --explain prints the action key and which of
these happened.

The last line of output is the archive's digest:

  sha256:<64 hex>  OUT

Example:
  pkgbuild build -m examples/tinynet/pkgbuild.toml -o /tmp/tinynet.pt
`,
		run: runBuild,
	})
}

// buildFlags are the flags every command that resolves a manifest shares.
type buildFlags struct {
	manifest string
	parents  string
	noCache  bool
	cacheDir string
}

func (b *buildFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&b.manifest, "m", "pkgbuild.toml", "the manifest")
	fs.StringVar(&b.parents, "parents", "", `override the manifest's parents: "intern" or "torch"`)
	fs.BoolVar(&b.noCache, "no-cache", false, "neither read nor write the cache")
	fs.StringVar(&b.cacheDir, "cache-dir", "", "the cache folder (default $PKGBUILD_CACHE, else $XDG_CACHE_HOME/pkgbuild, else ~/.cache/pkgbuild; PKGBUILD_CACHE=off turns it off)")
}

// openCache opens the cache the flags ask for, for builds of m; it never
// fails: a cache that cannot be used is a one-line warning and a build
// without it. Builds of one manifest share a pack (see cache.UsePack).
func (b *buildFlags) openCache(e *env, m *manifest.Manifest) *cache.Cache {
	if b.noCache {
		return cache.Disabled()
	}
	c := cache.OpenOrDisable(b.cacheDir, e.stderr)
	toolVersion(c)
	c.UsePack("manifest " + absPath(m.Path))
	return c
}

func runBuild(e *env, args []string) int {
	c := lookup("build")
	fs := flag.NewFlagSet("build", flag.ContinueOnError)
	var bf buildFlags
	bf.register(fs)
	out := fs.String("o", "", "output archive (a path ending in / writes a folder); default: the manifest's output")
	depfile := fs.String("depfile", "", "also write a make-syntax depfile listing the manifest and every file read")
	explain := fs.Bool("explain", false, "print the action key's lines, and whether the build was a no-op or an early cutoff")
	pos, code, ok := parse(c, e, fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return e.report(fail(ExitUsage, "build: unexpected argument %q (the manifest is given with -m)", pos[0]))
	}
	m, err := loadManifest(bf)
	if err != nil {
		return e.report(err)
	}
	target := *out
	if target == "" {
		if m.Output == "" {
			return e.report(fail(ExitUsage, "build: %s names no output; set output = \"...\" or pass -o", m.Path))
		}
		target = relativizer()(m.Output)
	}
	phase(e, "manifest")
	cc := bf.openCache(e, m)
	defer func() { cc.Close(); phase(e, "cache closed") }()
	act := newAction(cc, m, target, bf)
	phase(e, "cache opened")
	if *explain {
		fmt.Fprint(e.stderr, act.explain())
	}
	inputs, noop := act.noop(e)
	phase(e, "inputs checked")
	if *explain {
		fmt.Fprintf(e.stderr, "pkgbuild: no-op: %v\n", noop)
		if act.check.OK {
			fmt.Fprintf(e.stderr, "pkgbuild: inputs read again: %d of %d (their size, times or inode moved)\n", act.check.Reread, len(act.check.Current))
		}
	}
	if noop {
		if err := writeDepfile(*depfile, target, inputs); err != nil {
			return e.report(err)
		}
		fmt.Fprintf(e.stdout, "sha256:%s  %s\n", act.result.OutputSum, target)
		return ExitOK
	}
	recs, reuse, ok := act.cutoff()
	phase(e, "cutoff checked")
	if ok {
		if *explain {
			fmt.Fprintf(e.stderr, "pkgbuild: early cutoff: %d changed source(s), each scanning as before; the last layout is reused\n", len(act.check.Changed))
		}
		io.WriteString(e.stderr, act.prev.Log)
		return writeArchive(e, act, target, *depfile, output{
			recs: records(recs), layout: recs, reuse: reuse, explain: *explain, log: act.prev.Log,
			files: inputFiles(*act.prev), inputs: act.check.Current,
		})
	}
	res, err := resolveWith(e, m, cc)
	if err != nil {
		return e.report(err)
	}
	phase(e, "resolved")
	defer res.repacked.Close()
	recs = nil
	if res.repacked == nil {
		recs = withScans(layout(res), cc)
	}
	reuse = nil
	if recs != nil {
		reuse = act.reuse(recs)
	}
	files := append([]string{m.Path}, res.graph.Inputs...)
	return writeArchive(e, act, target, *depfile, output{
		recs: plan(res), layout: recs, reuse: reuse, explain: *explain, log: res.log,
		files: files, paths: append(slices.Clip(files), res.graph.Dirs...),
	})
}

// output is an archive to write, and what the build read to make it.
type output struct {
	recs    []emit.Record
	layout  []cache.OutputRecord // for the action cache; nil if it cannot be reused
	reuse   *emit.Reuse          // the last output, to start from; nil: write it whole
	explain bool                 // say how much of it was reused
	log     string               // the warnings and notes printed
	files   []string             // the files read, for the depfile
	inputs  []cache.InputFile    // what was read, already hashed
	paths   []string             // what was read, to hash (files, then folders)
}

// writeArchive writes the archive and the depfile, records the build in the
// action cache and prints the digest.
func writeArchive(e *env, act *action, target, depfile string, o output) int {
	if err := os.MkdirAll(filepath.Dir(strings.TrimSuffix(target, "/")), 0o755); err != nil {
		return e.report(fail(ExitIO, "build: %v", err))
	}
	inputs := act.hashInputs(o.paths)
	defer inputs.wait()
	digest, placement, err := emit.WriteReusing(target, o.recs, o.reuse)
	if err != nil {
		return e.report(fail(ExitIO, "build: %v", err))
	}
	phase(e, "archive written")
	if o.reuse != nil && o.explain {
		fmt.Fprintf(e.stderr, "pkgbuild: %d of %d records copied from the last archive\n", placement.Reused, len(o.recs))
	}
	if err := writeDepfile(depfile, target, o.files); err != nil {
		return e.report(err)
	}
	act.record(o.inputs, inputs, o.layout, placement, o.log, digest)
	phase(e, "action recorded")
	fmt.Fprintf(e.stdout, "sha256:%x  %s\n", digest, target)
	return ExitOK
}

func writeDepfile(path, target string, inputs []string) error {
	if path == "" {
		return nil
	}
	if err := writeFileAtomic(path, depfileText(target, inputs)); err != nil {
		return fail(ExitIO, "build: depfile: %v", err)
	}
	return nil
}

// depfileText renders a make-syntax depfile, "OUT: IN IN ...", one input
// per continued line, then an empty rule "IN:" for each input, as gcc -MP
// writes, so that make rebuilds OUT instead of stopping with "No rule to make
// target" when an input is deleted (ninja reads these rules too). Paths below
// the working folder are written relative to it, as make and ninja name
// them; spaces, '#' and '$' are escaped.
func depfileText(out string, inputs []string) []byte {
	rel := relativizer()
	names := make([]string, len(inputs))
	for i, in := range inputs {
		names[i] = makeEscape(rel(absPath(in)))
	}
	var b strings.Builder
	b.WriteString(makeEscape(rel(absPath(strings.TrimSuffix(out, "/")))))
	b.WriteString(":")
	for _, n := range names {
		b.WriteString(" \\\n  ")
		b.WriteString(n)
	}
	b.WriteString("\n")
	for _, n := range names {
		b.WriteString("\n")
		b.WriteString(n)
		b.WriteString(":\n")
	}
	return []byte(b.String())
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

func makeEscape(p string) string {
	r := strings.NewReplacer(" ", "\\ ", "#", "\\#", "$", "$$")
	return r.Replace(filepath.ToSlash(p))
}

// resolution is a manifest resolved into a graph.
type resolution struct {
	manifest *manifest.Manifest
	config   *resolver.Config
	graph    *resolver.Graph
	// log is the warnings and notes printed while resolving.
	log string
	// repacked is what the [[from_package]] entries take; nil without any.
	repacked *repack.Set
}

// resolve loads the manifest and resolves it, printing every problem.
// Manifest errors are ExitUsage; packaging errors are ExitPackage, after
// all of them are printed.
func resolve(e *env, bf buildFlags) (*resolution, error) {
	m, err := loadManifest(bf)
	if err != nil {
		return nil, err
	}
	c := bf.openCache(e, m)
	defer c.Close()
	return resolveWith(e, m, c)
}

// loadManifest reads the manifest and applies the flags that override it.
func loadManifest(bf buildFlags) (*manifest.Manifest, error) {
	m, err := manifest.Load(bf.manifest)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) && !exists(bf.manifest) {
			return nil, fail(ExitUsage, "%s: no such manifest; pass -m MANIFEST or run in the folder that holds pkgbuild.toml", bf.manifest)
		}
		return nil, &exitError{code: ExitUsage, err: manifestErrors(err)}
	}
	switch bf.parents {
	case "":
	case "intern":
		m.Parents = manifest.ParentsIntern
	case "torch":
		m.Parents = manifest.ParentsTorch
	default:
		return nil, fail(ExitUsage, "--parents must be \"intern\" or \"torch\", not %q", bf.parents)
	}
	return m, nil
}

// resolveWith resolves a loaded manifest, scanning through the cache.
func resolveWith(e *env, m *manifest.Manifest, c *cache.Cache) (*resolution, error) {
	cfg := resolver.ConfigFrom(m)
	repacked, err := fromPackages(m, cfg)
	if err != nil {
		return nil, err
	}
	g, err := resolver.Resolve(cfg, resolver.Options{Scan: c.Scanner(scanner.Parse, toolVersion(c))})
	if err != nil {
		return nil, fail(ExitUsage, "%s: %v", m.Path, err)
	}
	c.UsedAll()
	addArchiveInputs(g, repacked)
	rel := relativizer()
	var log strings.Builder
	for _, sev := range []resolver.Severity{resolver.Warning, resolver.Note} {
		if text := g.Problems.Format(sev, rel); text != "" {
			fmt.Fprintf(&log, "pkgbuild: %s:\n%s", plural(sev), text)
		}
	}
	io.WriteString(e.stderr, log.String())
	if n := g.Problems.Errors(); n > 0 {
		return nil, fail(ExitPackage, "pkgbuild: %d packaging error(s):\n%s", n, g.Problems.Format(resolver.Error, rel))
	}
	return &resolution{manifest: m, config: cfg, graph: g, log: log.String(), repacked: repacked}, nil
}

// manifestErrors prints every manifest problem as "file:line:col: error:
// msg" with its suggested fix on the next line.
func manifestErrors(err error) error {
	var list manifest.List
	if !errors.As(err, &list) {
		return err
	}
	var b strings.Builder
	for _, e := range list {
		b.WriteString(e.Error())
		b.WriteByte('\n')
		if e.Fix != "" {
			fmt.Fprintf(&b, "\tfix: %s\n", e.Fix)
		}
	}
	return errors.New(b.String())
}

func plural(s resolver.Severity) string { return s.String() + "s" }

// relativizer shows paths relative to the working folder when they are
// below it, so messages stay short and clickable.
func relativizer() func(string) string {
	wd, err := os.Getwd()
	return func(p string) string {
		if err != nil || !filepath.IsAbs(p) {
			return p
		}
		if r, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(r, "..") {
			return r
		}
		return p
	}
}
