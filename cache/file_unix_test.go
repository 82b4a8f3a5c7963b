//go:build linux || openbsd || darwin || freebsd || netbsd

package cache

import (
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pkgbuild/pkgbuild/scanner"
)

// A folder or a named pipe where a file is expected is an error that says
// what it is; a pipe does not make the build wait for a writer. Scanning
// one reports the same error, with or without the cache.
func TestOpenInputRefusesWhatIsNotAFile(t *testing.T) {
	dir := t.TempDir()
	pipe := filepath.Join(dir, "mod.py")
	if err := syscall.Mkfifo(pipe, 0o644); err != nil {
		t.Skip("no named pipes here:", err)
	}
	for _, tc := range []struct{ path, kind string }{{dir, "a folder"}, {pipe, "a named pipe"}} {
		check := func(what string, err error) {
			t.Helper()
			if !errors.Is(err, errNotRegular) || !strings.Contains(err.Error(), tc.kind) || !strings.Contains(err.Error(), tc.path) {
				t.Errorf("%s(%s) = %v, want errNotRegular naming the path and %q", what, tc.path, err, tc.kind)
			}
		}
		done := make(chan error, 1)
		go func() {
			f, err := OpenInput(tc.path)
			if err == nil {
				f.Close()
			}
			done <- err
		}()
		select {
		case err := <-done:
			check("OpenInput", err)
		case <-time.After(10 * time.Second):
			t.Fatalf("OpenInput(%s) blocked", tc.path)
		}
	}
	parse := func(src []byte) (*scanner.File, error) { return scanner.Parse(src) }
	for _, c := range []*Cache{openTest(t), Disabled()} {
		_, err := c.Scanner(parse, "v1")(pipe)
		if !errors.Is(err, errNotRegular) {
			t.Errorf("Scanner(named pipe), cache %q: %v, want errNotRegular", c.Dir(), err)
		}
		if _, err := c.HashFile(pipe); !errors.Is(err, errNotRegular) {
			t.Errorf("HashFile(named pipe), cache %q: %v, want errNotRegular", c.Dir(), err)
		}
	}
}
