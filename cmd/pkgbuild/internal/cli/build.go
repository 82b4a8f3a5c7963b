package cli

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pkgbuild/pkgbuild/emit"
	"github.com/pkgbuild/pkgbuild/manifest"
	"github.com/pkgbuild/pkgbuild/resolver"
)

func init() {
	register(&command{
		name:    "build",
		summary: "build a torch.package archive from a manifest",
		usage: `usage: pkgbuild build [-m MANIFEST] [-o OUT] [--parents intern|torch]

Reads the manifest (default ./pkgbuild.toml), scans the Python sources it
reaches without running them, decides every module as torch.package would,
and writes the archive atomically (to a temporary file, then renamed): the
previous output or none is left on any failure, never a partial one.

The output is byte-for-byte the same for the same inputs, whatever the
file times, directory order, working directory, umask, locale or time
zone. OUT ending in "/" writes the unzipped folder that torch's
DirectoryReader loads. --depfile writes "OUT: inputs..." for make's
-include and ninja's depfile = (deps = gcc). Every problem is reported at once, grouped by
reason, with the import chain that caused it and a fix; warnings and notes
do not fail the build. The last line of output is the archive's digest:

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
}

func (b *buildFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&b.manifest, "m", "pkgbuild.toml", "the manifest")
	fs.StringVar(&b.parents, "parents", "", `override the manifest's parents: "intern" or "torch"`)
}

func runBuild(e *env, args []string) int {
	c := lookup("build")
	fs := flag.NewFlagSet("build", flag.ContinueOnError)
	var bf buildFlags
	bf.register(fs)
	out := fs.String("o", "", "output archive (a path ending in / writes a folder); default: the manifest's output")
	depfile := fs.String("depfile", "", "also write a make-syntax depfile listing the manifest and every file read")
	pos, code, ok := parse(c, e, fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return e.report(fail(ExitUsage, "build: unexpected argument %q (the manifest is given with -m)", pos[0]))
	}
	res, err := resolve(e, bf)
	if err != nil {
		return e.report(err)
	}
	target := *out
	if target == "" {
		if res.manifest.Output == "" {
			return e.report(fail(ExitUsage, "build: %s names no output; set output = \"...\" or pass -o", res.manifest.Path))
		}
		target = relativizer()(res.manifest.Output)
		if strings.HasSuffix(res.manifest.Output, "/") && !strings.HasSuffix(target, "/") {
			target += "/"
		}
	}
	if err := os.MkdirAll(filepath.Dir(strings.TrimSuffix(target, "/")), 0o755); err != nil {
		return e.report(fail(ExitIO, "build: %v", err))
	}
	digest, err := emit.Write(target, plan(res))
	if err != nil {
		return e.report(fail(ExitIO, "build: %v", err))
	}
	if *depfile != "" {
		inputs := append([]string{res.manifest.Path}, res.graph.Inputs...)
		if err := writeFileAtomic(*depfile, depfileText(target, inputs)); err != nil {
			return e.report(fail(ExitIO, "build: depfile: %v", err))
		}
	}
	fmt.Fprintf(e.stdout, "sha256:%x  %s\n", digest, target)
	return ExitOK
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
}

// resolve loads the manifest and resolves it, printing every problem.
// Manifest errors are ExitUsage; packaging errors are ExitPackage, after
// all of them are printed.
func resolve(e *env, bf buildFlags) (*resolution, error) {
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
	cfg := resolver.ConfigFrom(m)
	g, err := resolver.Resolve(cfg, resolver.Options{})
	if err != nil {
		return nil, fail(ExitUsage, "%s: %v", m.Path, err)
	}
	rel := relativizer()
	for _, sev := range []resolver.Severity{resolver.Warning, resolver.Note} {
		if text := g.Problems.Format(sev, rel); text != "" {
			fmt.Fprintf(e.stderr, "pkgbuild: %s:\n%s", plural(sev), text)
		}
	}
	if n := g.Problems.Errors(); n > 0 {
		return nil, fail(ExitPackage, "pkgbuild: %d packaging error(s):\n%s", n, g.Problems.Format(resolver.Error, rel))
	}
	return &resolution{manifest: m, config: cfg, graph: g}, nil
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
