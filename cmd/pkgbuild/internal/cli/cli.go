// Package cli is pkgbuild's command line: it parses arguments, runs the
// stages (manifest -> scanner -> resolver -> emit) and maps their results to
// output and exit codes. Run is testable in-process.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/pkgbuild/pkgbuild/manifest"
)

// Exit codes, the same for every command.
const (
	ExitOK       = 0 // success
	ExitPackage  = 1 // packaging errors: sources, rules, a difference found
	ExitUsage    = 2 // usage or manifest errors
	ExitIO       = 3 // I/O or internal errors
	ExitOutdated = 4 // a check found something out of date
)

const exitCodesHelp = `Exit codes:
  0  success
  1  packaging errors (sources, rules); for diff and audit, a finding
  2  usage or manifest errors
  3  I/O or internal errors
  4  a check found something out of date
`

// Version is the tool's version; it is part of every cache key.
var Version = "0.1.0"

type command struct {
	name    string
	summary string
	usage   string // first line: synopsis; then description and example
	run     func(env *env, args []string) int
}

var commands []*command

func register(c *command) { commands = append(commands, c) }

type env struct {
	stdout, stderr io.Writer
}

// exitError carries an exit code through a command's helpers.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func fail(code int, format string, args ...any) error {
	return &exitError{code: code, err: fmt.Errorf(format, args...)}
}

// report prints err (if any) and returns its exit code: the code an
// exitError carries, ExitIO for anything else.
func (e *env) report(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	code := ExitIO
	if errors.As(err, &ee) {
		code = ee.code
	}
	msg := err.Error()
	if msg != "" {
		if !strings.HasSuffix(msg, "\n") {
			msg += "\n"
		}
		if !strings.HasPrefix(msg, "pkgbuild") && !strings.Contains(strings.SplitN(msg, "\n", 2)[0], ": error:") {
			msg = "pkgbuild: " + msg
		}
		io.WriteString(e.stderr, msg)
	}
	return code
}

// Run runs pkgbuild with the given arguments (without the program name) and
// returns the process exit code.
func Run(args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		usage(stderr)
		return ExitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c := lookup(args[1]); c != nil {
				fmt.Fprint(stdout, c.usage)
				fmt.Fprint(stdout, "\n"+exitCodesHelp)
				return ExitOK
			}
			fmt.Fprintf(stderr, "pkgbuild help: unknown command %q\n", args[1])
			return ExitUsage
		}
		usage(stdout)
		return ExitOK
	case "version", "--version":
		fmt.Fprintf(stdout, "pkgbuild %s\n", Version)
		return ExitOK
	}
	c := lookup(name)
	if c == nil {
		fmt.Fprintf(stderr, "pkgbuild: unknown command %q%s\nRun 'pkgbuild help' for the commands.\n", name, suggest(name))
		return ExitUsage
	}
	return c.run(e, args[1:])
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func suggest(name string) string {
	var names []string
	for _, c := range commands {
		names = append(names, c.name)
	}
	if best := manifest.Nearest(name, names); best != "" {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	return ""
}

func usage(w io.Writer) {
	fmt.Fprint(w, `pkgbuild builds torch.package archives from Python source trees without
running them, byte-for-byte reproducibly, and reads any torch.package
archive without executing it.

Usage:
  pkgbuild <command> [flags] [arguments]

Commands:
`)
	sorted := append([]*command(nil), commands...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].name < sorted[j].name })
	for _, c := range sorted {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Run 'pkgbuild help <command>' (or 'pkgbuild <command> --help') for a command's
flags and an example.

`+exitCodesHelp)
}

// parse parses flags that may come before, between or after positional
// arguments, as people type them. After "--", everything is positional.
func parse(c *command, e *env, fs *flag.FlagSet, args []string) ([]string, int, bool) {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var pos []string
	for {
		i := indexOf(args, "--")
		head, tail := args, []string(nil)
		if i >= 0 {
			head, tail = args[:i], args[i+1:]
		}
		if err := fs.Parse(head); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(e.stdout, c.usage)
				fmt.Fprint(e.stdout, "\nFlags:\n")
				fs.SetOutput(e.stdout)
				fs.PrintDefaults()
				fmt.Fprint(e.stdout, "\n"+exitCodesHelp)
				return nil, ExitOK, false
			}
			fmt.Fprintf(e.stderr, "pkgbuild %s: %v\nRun 'pkgbuild help %s' for usage.\n", c.name, err, c.name)
			return nil, ExitUsage, false
		}
		rest := fs.Args()
		if len(rest) == 0 {
			if tail != nil {
				pos = append(pos, tail...)
			}
			return pos, 0, true
		}
		pos = append(pos, rest[0])
		args = rest[1:]
		if tail != nil {
			args = append(append(args, "--"), tail...)
		}
	}
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
