// Command pkgbuild builds torch.package archives from Python source trees
// without running them, and reads any torch.package archive safely.
// Run `pkgbuild help` for the commands.
//
// PKGBUILD_CPUPROFILE=FILE writes a Go CPU profile of the run to FILE, for
// `go tool pprof` (bench/README.md shows how it is used); PKGBUILD_TRACE=1
// prints how long each phase of a build took.
package main

import (
	"fmt"
	"os"
	"runtime/debug"
	"runtime/pprof"

	"github.com/pkgbuild/pkgbuild/cmd/pkgbuild/internal/cli"
)

func main() {
	if os.Getenv("GOGC") == "" {
		// A build allocates a lot for a short time and keeps little: a
		// collection every 4x growth of the live heap instead of 2x, with
		// a soft limit that keeps a 50,000-module build well under 256 MiB.
		debug.SetGCPercent(400)
		debug.SetMemoryLimit(192 << 20)
	}
	if path := os.Getenv("PKGBUILD_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "pkgbuild: PKGBUILD_CPUPROFILE: %v\n", err)
			os.Exit(cli.ExitUsage)
		}
		pprof.StartCPUProfile(f)
		code := cli.Run(os.Args[1:], os.Stdout, os.Stderr)
		pprof.StopCPUProfile()
		f.Close()
		os.Exit(code)
	}
	os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr))
}
