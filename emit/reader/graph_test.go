package reader

import (
	"testing"

	"github.com/pkgbuild/pkgbuild/emit"
	"github.com/pkgbuild/pkgbuild/resolver"
)

// Graph knows a mocked module by its source, the stub torch and pkgbuild
// both write.
func TestGraphKnowsTheMockStub(t *testing.T) {
	if mockStub != emit.MockStub {
		t.Errorf("reader's mock stub differs from emit.MockStub:\n%q\n%q", mockStub, emit.MockStub)
	}
}

// The graph of torch113.pt, as torch's exporter had it: each node with its
// action and dependencies; the pickles and the modules nothing imports
// come first in Order.
func TestGraphOfTorch113(t *testing.T) {
	g, err := open(t, sample113).Graph()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		action resolver.Action
		deps   []string
	}{
		{"<obj.obj.pkl>", resolver.Intern, []string{"package_a.subpackage"}},
		{"<tensors.t.pkl>", resolver.Intern, []string{"torch._utils", "torch", "collections"}},
		{"package_a.subpackage", resolver.Intern, []string{"json", "package_m"}},
		{"package_a", resolver.Intern, nil}, // no edge to a parent package
		{"package_m", resolver.Mock, nil},   // mocks are not scanned
		{"_mock", resolver.MockModule, nil},
		{"torch", resolver.Extern, nil},
	} {
		n := g.Nodes[tc.name]
		if n == nil {
			t.Errorf("no node %s", tc.name)
			continue
		}
		if n.Action != tc.action || len(n.Deps) != len(tc.deps) {
			t.Errorf("%s: %s %v, want %s %v", tc.name, n.Action, n.Deps, tc.action, tc.deps)
			continue
		}
		for i := range n.Deps {
			if n.Deps[i] != tc.deps[i] {
				t.Errorf("%s: deps %v, want %v", tc.name, n.Deps, tc.deps)
			}
		}
	}
	if len(g.Nodes) != len(g.Order) || g.Order[0] != "<obj.obj.pkl>" {
		t.Errorf("Order %v", g.Order)
	}
	if len(g.Problems) != 0 {
		t.Errorf("problems: %v", g.Problems)
	}
}
