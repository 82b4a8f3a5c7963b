// Command pkgbuild builds torch.package archives from Python source trees
// without running them, and reads any torch.package archive safely.
// Run `pkgbuild help` for the commands.
package main

import (
	"os"

	"github.com/pkgbuild/pkgbuild/cmd/pkgbuild/internal/cli"
)

func main() { os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr)) }
