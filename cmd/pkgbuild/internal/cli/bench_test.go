package cli_test

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/pkgbuild/pkgbuild/cmd/pkgbuild/internal/cli"
)

// BenchmarkColdBuildSympy builds all of Debian's sympy (about 1,500
// modules) from scratch each iteration: scan, resolve, write the archive.
// bench/run compares the same build with torch.package and zip -0.
func BenchmarkColdBuildSympy(b *testing.B) {
	manifest, _ := filepath.Abs("testdata/bench/sympy.toml")
	if _, err := os.Stat(distPackages + "/sympy/__init__.py"); err != nil {
		b.Skip("python3-sympy is not installed")
	}
	out := filepath.Join(b.TempDir(), "sympy.pt")
	args := []string{"build", "-m", manifest, "-o", out, "--no-cache"}
	if code := cli.Run(args, io.Discard, io.Discard); code != 0 {
		b.Fatalf("build failed with exit %d", code)
	}
	st, _ := os.Stat(out)
	b.SetBytes(st.Size())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if code := cli.Run(args, io.Discard, io.Discard); code != 0 {
			b.Fatalf("build failed with exit %d", code)
		}
	}
}
