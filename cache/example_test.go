package cache_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/pkgbuild/pkgbuild/cache"
	"github.com/pkgbuild/pkgbuild/scanner"
)

// A driver's no-op check: the action key holds what is known before
// building; the result lists every input the build read. When the inputs
// and the output are unchanged, the build is skipped: a stat call per file.
func Example() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	c := cache.OpenOrDisable(filepath.Join(dir, "cache"), os.Stderr)
	defer c.Close()

	src := filepath.Join(dir, "model.py")
	out := filepath.Join(dir, "model.pt")
	os.WriteFile(src, []byte("import torch\n"), 0o666)
	parse := func([]byte) (*scanner.File, error) { return &scanner.File{}, nil } // scanner.Parse
	key := cache.ActionKey{ToolVersion: "v1", Manifest: []byte(`modules = ["model"]`), Output: out}

	build := func() string {
		if res, ok := c.GetAction(key); ok && c.InputsUnchanged(res) {
			if o, err := c.HashFile(out); err == nil && o.Sum == res.OutputSum && o.Stat.Size == res.OutputSize {
				return "up to date"
			}
		}
		scan := c.Scanner(parse, "v1") // resolver.Options{Scan: scan}
		scan(src)
		os.WriteFile(out, []byte("a torch package"), 0o666)
		in, _ := c.HashFile(src)
		o, _ := c.HashFile(out)
		c.PutAction(key, cache.ActionResult{OutputSum: o.Sum, OutputSize: o.Stat.Size, Inputs: []cache.InputFile{in}})
		return "built"
	}
	fmt.Println(build())
	fmt.Println(build())
	os.WriteFile(src, []byte("import numpy\n"), 0o666)
	fmt.Println(build())
	// Output:
	// built
	// up to date
	// built
}
