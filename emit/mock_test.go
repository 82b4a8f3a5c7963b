package emit

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// mockUse imports a mocked module (MockStub beside MockModule as _mock.py)
// and reports what each use of one of its attributes does.
const mockUse = `
import copy, json, pickle, sys
sys.path.insert(0, sys.argv[1])
import mocked
from _mock import MockedObject

r = mocked.result

def outcome(use):
    try:
        use()
    except Exception as e:
        return f"{type(e).__name__}: {e}"
    return "works"

def assign():
    r.x = 1

def enter():
    with r:
        pass

uses = {
    "repr(r)": lambda: repr(r),
    "str(r)": lambda: str(r),
    "r()": lambda: r(),
    "r.attr": lambda: r.attr,
    "r.x = 1": assign,
    "r[0]": lambda: r[0],
    "iter(r)": lambda: iter(r),
    "len(r)": lambda: len(r),
    "r + 1": lambda: r + 1,
    "r < 1": lambda: r < 1,
    "r == r": lambda: r == r,
    "hash(r)": lambda: hash(r),
    "bool(r)": lambda: bool(r),
    "int(r)": lambda: int(r),
    "with r": enter,
    "pickle.dumps(r)": lambda: pickle.dumps(r),
    "copy.deepcopy(r)": lambda: copy.deepcopy(r),
    "MockedObject('x.y')": lambda: MockedObject("x.y"),
}
report = {use: outcome(f) for use, f in uses.items()}
report["repr(r)"] = repr(r)
report["str(r)"] = str(r)
json.dump(report, sys.stdout)
`

// TestMockedObject: looking names up on a mocked module works; using them
// raises NotImplementedError naming the object and the special method.
func TestMockedObject(t *testing.T) {
	python := needPython(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, MockModulePath), MockModule, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "mocked.py"), []byte(MockStub), 0o644); err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	if err := json.Unmarshal(run(t, python, "-c", mockUse, dir), &got); err != nil {
		t.Fatal(err)
	}
	used := func(method string) string {
		return "NotImplementedError: Object 'mocked.result' was mocked out during packaging but it is being used in " + method
	}
	want := map[string]string{
		"repr(r)":          "MockedObject(mocked.result)",
		"str(r)":           "MockedObject(mocked.result)",
		"r()":              used("__call__"),
		"r.attr":           used("__getattr__"),
		"r.x = 1":          used("__setattr__"),
		"r[0]":             used("__getitem__"),
		"iter(r)":          used("__iter__"),
		"len(r)":           used("__len__"),
		"r + 1":            used("__add__"),
		"r < 1":            used("__lt__"),
		"r == r":           used("__eq__"),
		"hash(r)":          used("__hash__"),
		"bool(r)":          used("__bool__"),
		"int(r)":           used("__int__"),
		"with r":           used("__enter__"),
		"pickle.dumps(r)":  used("__reduce__"),
		"copy.deepcopy(r)": used("__deepcopy__"),
		"MockedObject('x.y')": "NotImplementedError: Object 'x.y' was mocked out during packaging but it is being used in '__new__'. " +
			"If this happens in load_pickle, the pickled object refers to something from a mocked module: intern or extern that module instead of mocking it.",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("uses of a mocked object (-want +got):\n%s", diff)
	}
}
