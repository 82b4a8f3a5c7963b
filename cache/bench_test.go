package cache

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// pythonTree writes n files of about 3 KB, like the modules of a model
// package, and waits until their fingerprints are no longer racy.
func pythonTree(b *testing.B, n int) []string {
	dir := b.TempDir()
	var paths []string
	for i := range n {
		var s strings.Builder
		for j := range 30 {
			fmt.Fprintf(&s, "import pkg.sub%d.module%d_%d\n", j%5, i, j)
		}
		s.WriteString(strings.Repeat("# a comment line that stands for the code of the module\n", 40))
		paths = append(paths, write(b, filepath.Join(dir, fmt.Sprintf("d%02d", i%40), fmt.Sprintf("m%04d.py", i)), s.String()))
	}
	time.Sleep(RacyWindow + 100*time.Millisecond)
	return paths
}

// BenchmarkLookup1500 measures lookups of 1,500 files against an anchor in
// the same run: reading and hashing every file, which any build without a
// cache does before it parses. Each reports ns/file and its ratio to the
// anchor (x-anchor).
func BenchmarkLookup1500(b *testing.B) {
	paths := pythonTree(b, 1500)
	var anchor float64
	report := func(b *testing.B) {
		ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N*len(paths))
		b.ReportMetric(ns, "ns/file")
		if anchor > 0 {
			b.ReportMetric(ns/anchor, "x-anchor")
		}
	}

	b.Run("anchor=read+hash", func(b *testing.B) {
		for b.Loop() {
			for _, p := range paths {
				data, err := os.ReadFile(p)
				if err != nil {
					b.Fatal(err)
				}
				sha256.Sum256(data)
			}
		}
		report(b)
		anchor = float64(b.Elapsed().Nanoseconds()) / float64(b.N*len(paths))
	})

	// A warm rebuild: every file's stat entry and scan entry hit; no
	// source file is read.
	b.Run("scan-warm", func(b *testing.B) {
		c := openTest(b)
		scan := c.Scanner(toyParse, "v1")
		for _, p := range paths {
			scan(p)
		}
		c.readsSince()
		for b.Loop() {
			for _, p := range paths {
				if _, err := scan(p); err != nil {
					b.Fatal(err)
				}
			}
		}
		if r := c.readsSince(); r != 0 {
			b.Fatalf("warm scans read %d files", r)
		}
		report(b)
	})

	// A rebuild after a fresh checkout: no fingerprint vouches for
	// anything, so every file is read and hashed, and its scan entry hits.
	b.Run("scan-content-hit", func(b *testing.B) {
		c := openTest(b)
		c.now = func() time.Time { return time.Unix(0, 0) } // every fingerprint is racy
		scan := c.Scanner(toyParse, "v1")
		for _, p := range paths {
			scan(p)
		}
		for b.Loop() {
			for _, p := range paths {
				if _, err := scan(p); err != nil {
					b.Fatal(err)
				}
			}
		}
		report(b)
	})

	// The no-op check of a build that read 1,500 files: a stat call each.
	b.Run("inputs-unchanged", func(b *testing.B) {
		c := openTest(b)
		var res ActionResult
		for _, p := range paths {
			in, err := c.HashFile(p)
			if err != nil {
				b.Fatal(err)
			}
			res.Inputs = append(res.Inputs, in)
		}
		c.readsSince()
		for b.Loop() {
			if !c.InputsUnchanged(res) {
				b.Fatal("changed")
			}
		}
		if r := c.readsSince(); r != 0 {
			b.Fatalf("no-op checks read %d files", r)
		}
		report(b)
	})
}
