package manifest

import (
	"strings"
	"testing"
)

const goodLock = `# pkgbuild.lock: written by ` + "`pkgbuild lock`" + `; ` + "`pkgbuild check`" + ` compares it. Do not edit.
version 1
package sha256:1111111111111111111111111111111111111111111111111111111111111111
module extern math
module intern tinynet sha256:2222222222222222222222222222222222222222222222222222222222222222
module mock tinynet.training
pickle tinynet/config.pkl sha256:3333333333333333333333333333333333333333333333333333333333333333
resource tinynet/assets/a\x20b.txt sha256:4444444444444444444444444444444444444444444444444444444444444444
`

// A lock reads back to the same text: Format and ParseLock are inverses,
// escapes in paths included.
func TestLockRoundTrip(t *testing.T) {
	l, err := ParseLock("pkgbuild.lock", []byte(goodLock))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(l.Format()); got != goodLock {
		t.Errorf("Format(ParseLock(x)) != x:\n%s", got)
	}
	if l.Resources[0].Path != "tinynet/assets/a b.txt" {
		t.Errorf("escaped path read as %q", l.Resources[0].Path)
	}
}

// Locks that were edited by hand, merged with conflict markers or written
// by a newer pkgbuild are errors naming the line and what to do.
func TestLockErrors(t *testing.T) {
	for _, c := range []struct{ name, edit, want string }{
		{"conflict", strings.Replace(goodLock, "module extern math\n", "<<<<<<< HEAD\nmodule extern math\n=======\nmodule extern json\n>>>>>>> branch\n", 1),
			"pkgbuild.lock:4:1: error: merge conflict marker in the lock file"},
		{"newer", strings.Replace(goodLock, "version 1", "version 7", 1),
			"pkgbuild.lock:2:1: error: lock format version 7 is newer than this pkgbuild reads (1)"},
		{"hand edit", strings.Replace(goodLock, "module mock", "module mocked", 1),
			`pkgbuild.lock:6:1: error: unrecognised lock line "module mocked tinynet.training"`},
		{"bad hash", strings.Replace(goodLock, "sha256:2222", "sha256:zz22", 1),
			`pkgbuild.lock:5:1: error: malformed hash`},
		{"no version", strings.Replace(goodLock, "version 1\n", "", 1),
			"pkgbuild.lock:1:1: error: lock file has no version line"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseLock("pkgbuild.lock", []byte(c.edit))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v\nwant an error containing %q", err, c.want)
			}
		})
	}
}

// FuzzParseLock: any bytes give a Lock or an error, never a panic, and a
// Lock that parses formats to text that parses to the same Lock.
func FuzzParseLock(f *testing.F) {
	f.Add([]byte(goodLock))
	f.Add([]byte("version 1\n<<<<<<<\n"))
	f.Add([]byte("version 99999999999999999999\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseLock("f", data)
		if err != nil {
			return
		}
		again, err := ParseLock("f", l.Format())
		if err != nil {
			t.Fatalf("formatted lock does not parse: %v\n%s", err, l.Format())
		}
		if string(again.Format()) != string(l.Format()) {
			t.Fatalf("format is not stable")
		}
	})
}
