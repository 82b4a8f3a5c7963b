package scanner

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The differential test runs torch's own find_files_source_depends_on
// (through testdata/refs.py) on real trees and compares every file's
// references with Parse+Refs. It needs Debian's python3 with torch 1.13;
// without them it skips, unless PKGBUILD_REQUIRE_TORCH=1.
//
//	go test ./scanner -run Differential -v          # stdlib + torch, torchvision, sympy
//	go test ./scanner -run Differential -short -v   # stdlib only
//	go test ./scanner -run Snippets -v              # CPython's own parser tests

// refsRecord is one line of refs.py's output.
type refsRecord struct {
	File    string       `json:"file"`
	Snippet string       `json:"snippet"`
	Package string       `json:"package"`
	Refs    [][2]*string `json:"refs"`
	Error   string       `json:"error"`
	Msg     string       `json:"msg"`
	Line    int          `json:"line"`
	Dropped int          `json:"dropped"`
}

func pythonWithTorch(t *testing.T) string {
	t.Helper()
	python := os.Getenv("PKGBUILD_PYTHON")
	if python == "" {
		python = "/usr/bin/python3"
	}
	out, err := exec.Command(python, "-c", "import torch.package.find_file_dependencies").CombinedOutput()
	if err != nil {
		msg := fmt.Sprintf("%s with torch 1.13 is needed: %v\n%s", python, err, lastLines(out, 5))
		if os.Getenv("PKGBUILD_REQUIRE_TORCH") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return python
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

type diffTree struct {
	root string
	subs []string
}

func diffTrees(t *testing.T, python string) []diffTree {
	out, err := exec.Command(python, "-c", "import sysconfig; print(sysconfig.get_paths()['stdlib'])").Output()
	if err != nil {
		t.Fatalf("finding the stdlib: %v", err)
	}
	trees := []diffTree{{root: strings.TrimSpace(string(out))}}
	if testing.Short() {
		return trees
	}
	const dist = "/usr/lib/python3/dist-packages"
	var subs []string
	for _, d := range []string{"torch", "torchvision", "sympy"} {
		if st, err := os.Stat(filepath.Join(dist, d)); err == nil && st.IsDir() {
			subs = append(subs, d)
		}
	}
	if len(subs) > 0 {
		trees = append(trees, diffTree{root: dist, subs: subs})
	}
	return trees
}

func TestDifferentialAgainstCPython(t *testing.T) {
	python := pythonWithTorch(t)
	var (
		files, agree, cpythonRejects, weReject, weRejectOnlyLine int
		dropped                                                  int
		problems                                                 []string
	)
	for _, tr := range diffTrees(t, python) {
		args := append([]string{"testdata/refs.py", tr.root}, tr.subs...)
		cmd := exec.Command(python, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("refs.py %s: %v\n%s", tr.root, err, lastLines(stderr.Bytes(), 20))
		}
		sc := bufio.NewScanner(bytes.NewReader(out))
		sc.Buffer(make([]byte, 1<<20), 1<<26)
		for sc.Scan() {
			var rec refsRecord
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				t.Fatalf("bad refs.py output %q: %v", sc.Text(), err)
			}
			files++
			dropped += rec.Dropped
			src, err := os.ReadFile(filepath.Join(tr.root, rec.File))
			if err != nil {
				t.Fatal(err)
			}
			f, perr := Parse(src)
			where := filepath.Join(tr.root, rec.File)
			switch rec.Error {
			case "syntax", "other":
				cpythonRejects++
				if perr != nil {
					weReject++
					var se *SyntaxError
					if errors.As(perr, &se) && se.Line == rec.Line {
						weRejectOnlyLine++
					}
				} else {
					t.Logf("CPython rejects, we accept: %s (%s)", where, rec.Msg)
				}
				continue
			}
			if p := compareRecord(rec, f, perr); p != "" {
				problems = append(problems, where+": "+p)
				continue
			}
			agree++
		}
	}
	t.Logf("%d files: %d agree with torch; %d disagree", files, agree, len(problems))
	t.Logf("CPython rejects %d files; we reject %d of them (%d at the same line)", cpythonRejects, weReject, weRejectOnlyLine)
	if dropped > 0 {
		t.Logf("%d torch references to non-string modules ignored (pytorch#57193)", dropped)
	}
	for i, p := range problems {
		if i == 50 {
			t.Errorf("... and %d more", len(problems)-50)
			break
		}
		t.Error(p)
	}
}

// diffRefs compares torch's references with ours, in order.
func diffRefs(want [][2]*string, got []Ref) string {
	str := func(m string, n *string) string {
		if n == nil {
			return fmt.Sprintf("(%q, None)", m)
		}
		return fmt.Sprintf("(%q, %q)", m, *n)
	}
	var w, g []string
	for _, r := range want {
		if r[0] == nil {
			continue
		}
		w = append(w, str(*r[0], r[1]))
	}
	for _, r := range got {
		if r.HasName {
			n := r.Name
			g = append(g, str(r.Module, &n))
		} else {
			g = append(g, str(r.Module, nil))
		}
	}
	if strings.Join(w, " ") == strings.Join(g, " ") {
		return ""
	}
	return fmt.Sprintf("\n\ttorch: %s\n\tours:  %s", strings.Join(w, " "), strings.Join(g, " "))
}

// snippetFiles are CPython test modules full of small programs, valid and
// invalid, that exercise its tokenizer and parser. refs.py checks every
// doctest example and string constant in them.
var snippetFiles = []string{
	"test_syntax.py", "test_grammar.py", "test_fstring.py", "test_exceptions.py", "test_patma.py",
	"test_named_expressions.py", "test_positional_only_arg.py", "test_unpack_ex.py", "test_genexps.py",
	"test_keywordonlyarg.py", "test_string_literals.py", "test_eof.py", "test_compile.py", "test_ast.py",
	"test_tokenize.py", "test_unparse.py", "test_generators.py", "test_coroutines.py", "test_decorators.py",
	"test_with.py", "test_global.py", "test_type_comments.py", "test_utf8source.py",
	"test_source_encoding.py", "test_unicode_identifiers.py", "test_future.py", "test_print.py",
	"test_exception_group.py", "test_except_star.py",
}

// TestSnippetsAgainstCPython runs the snippets of CPython's parser tests
// (Debian's libpython3.11-testsuite) through torch and through the
// scanner. Every snippet CPython accepts must give the same references;
// of the ones it rejects, the test reports how many the scanner rejects.
func TestSnippetsAgainstCPython(t *testing.T) {
	python := pythonWithTorch(t)
	trees := diffTrees(t, python)
	testDir := filepath.Join(trees[0].root, "test")
	args := []string{"testdata/refs.py", "--snippets"}
	for _, f := range snippetFiles {
		if _, err := os.Stat(filepath.Join(testDir, f)); err == nil {
			args = append(args, filepath.Join(testDir, f))
		}
	}
	if len(args) == 2 {
		t.Skipf("CPython's test suite is not installed in %s (Debian: libpython3.11-testsuite)", testDir)
	}
	cmd := exec.Command(python, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("refs.py --snippets: %v\n%s", err, lastLines(stderr.Bytes(), 20))
	}
	var accepted, agree, rejected, weReject int
	var problems []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		var rec refsRecord
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("bad refs.py output %q: %v", sc.Text(), err)
		}
		f, perr := Parse([]byte(rec.Snippet))
		if rec.Error == "syntax" || rec.Error == "other" {
			rejected++
			if perr != nil {
				weReject++
			} else {
				t.Logf("CPython rejects, we accept: %q (%s)", rec.Snippet, rec.Msg)
			}
			continue
		}
		accepted++
		if p := compareRecord(rec, f, perr); p != "" {
			problems = append(problems, fmt.Sprintf("%q: %s", rec.Snippet, p))
			continue
		}
		agree++
	}
	t.Logf("%d snippets CPython accepts: %d agree with torch; %d disagree", accepted, agree, len(problems))
	t.Logf("CPython rejects %d snippets; we reject %d of them", rejected, weReject)
	for i, p := range problems {
		if i == 50 {
			t.Errorf("... and %d more", len(problems)-50)
			break
		}
		t.Error(p)
	}
}

// compareRecord compares one accepted record of refs.py with Parse's
// result; it returns "" when they agree.
func compareRecord(rec refsRecord, f *File, perr error) string {
	if perr != nil {
		return fmt.Sprintf("CPython parses it, we do not: %v", perr)
	}
	got, rerr := f.Refs(rec.Package)
	if rec.Error == "relative" {
		var re *RelativeImportError
		if !errors.As(rerr, &re) {
			return fmt.Sprintf("torch fails (%s), we return %v", rec.Msg, rerr)
		}
		return ""
	}
	if rerr != nil {
		return fmt.Sprintf("torch succeeds, we fail: %v", rerr)
	}
	if d := diffRefs(rec.Refs, got); d != "" {
		return fmt.Sprintf("package %q: %s", rec.Package, d)
	}
	return ""
}
