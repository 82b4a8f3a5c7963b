package pickle

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the Disassemble listings in testdata/*.dis")

// TestDisassemble compares listings with testdata/*.dis; go test -update
// rewrites them.
func TestDisassemble(t *testing.T) {
	for _, name := range []string{"package_tensors_p4", "package_tensors_p3", "text_p0", "all_opcodes", "quirk_decoy_p4"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", name+".pkl"))
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := Disassemble(&got, data); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", name+".dis")
			if *update {
				if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), got.String()); diff != "" {
				t.Errorf("listing differs from %s (-want +got):\n%s", golden, diff)
			}
		})
	}
}

func TestDisassembleStopsAtTheError(t *testing.T) {
	data := asm(t, `
		PROTO 4
		SHORT_BINUNICODE "os"
		BINGET 9
		STOP`)
	var got bytes.Buffer
	err := Disassemble(&got, data)
	var e *Error
	if !errors.As(err, &e) || e.Offset != 6 || e.Op != "BINGET" {
		t.Fatalf("error = %v, want the BINGET at offset 6", err)
	}
	want := strings.Join([]string{
		`       0: PROTO              4`,
		`       2: SHORT_BINUNICODE   "os"`,
		`       6: BINGET             9`,
		`       6: error: BINGET: memo value not found at index 9`,
		``,
	}, "\n")
	if diff := cmp.Diff(want, got.String()); diff != "" {
		t.Errorf("listing (-want +got):\n%s", diff)
	}
}
