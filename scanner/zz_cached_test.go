package scanner

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestZZCached(t *testing.T) {
	n, agree, rej, ourRej := 0, 0, 0, 0
	for _, c := range []struct{ file, root string }{{"/tmp/stdlib.jsonl", "/usr/lib/python3.11"}, {"/tmp/dist.jsonl", "/usr/lib/python3/dist-packages"}} {
		data, err := os.ReadFile(c.file)
		if err != nil {
			t.Skip(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 1<<20), 1<<26)
		for sc.Scan() {
			var rec refsRecord
			json.Unmarshal(sc.Bytes(), &rec)
			n++
			src, _ := os.ReadFile(filepath.Join(c.root, rec.File))
			f, perr := Parse(src)
			if rec.Error == "syntax" || rec.Error == "other" {
				rej++
				if perr != nil {
					ourRej++
				} else {
					t.Logf("we accept %s: %s", rec.File, rec.Msg)
				}
				continue
			}
			if perr != nil {
				t.Errorf("%s: %v", rec.File, perr)
				continue
			}
			got, rerr := f.Refs(rec.Package)
			if rec.Error == "relative" {
				var re *RelativeImportError
				if !errors.As(rerr, &re) {
					t.Errorf("%s: want relative error", rec.File)
				} else {
					agree++
				}
				continue
			}
			if d := diffRefs(rec.Refs, got); d != "" || rerr != nil {
				t.Errorf("%s: %v %s", rec.File, rerr, d)
				continue
			}
			agree++
		}
	}
	t.Logf("%d files, %d agree, cpython rejects %d, we reject %d", n, agree, rej, ourRej)
}
