package pickle

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// stateDict is a protocol 4 pickle shaped like a torch.package state dict
// of n tensors: one STACK_GLOBAL pair and persistent ID per tensor, with
// the shared names recalled from the memo.
func stateDict(n int) []byte {
	var b strings.Builder
	b.WriteString("\x80\x04")
	for _, s := range []string{"torch._utils", "_rebuild_tensor_v2"} { // memo 0, 1
		fmt.Fprintf(&b, "\x8c%c%s\x94", len(s), s)
	}
	b.WriteString("\x93\x94")                                        // global, memo 2
	for _, s := range []string{"storage", "torch", "FloatStorage"} { // memo 3, 4, 5
		fmt.Fprintf(&b, "\x8c%c%s\x94", len(s), s)
	}
	b.WriteString("\x93\x94\x8c\x03cpu\x94") // global memo 6, "cpu" memo 7
	b.WriteString("0000}\x94(")              // pop them all; the dict
	for i := 0; i < n; i++ {
		key := fmt.Sprintf("layers.%d.weight", i)
		fmt.Fprintf(&b, "\x8c%c%s\x94", len(key), key)
		b.WriteString("h\x02((h\x03h\x06J")
		b.WriteString(string([]byte{byte(i), byte(i >> 8), byte(i >> 16), 0}))
		b.WriteString("h\x07M\x00\x01t\x94QK\x00M\x00\x01\x85\x94K\x01\x85\x94\x89N\x86t\x94R\x94")
	}
	b.WriteString("u.")
	return []byte(b.String())
}

func BenchmarkScan(b *testing.B) {
	inputs := map[string][]byte{"state_dict_10k": stateDict(10000)}
	for _, name := range []string{"package_tensors_p4", "zoo_p0", "zoo_p4", "quirk_long_binget_p4"} {
		data, err := os.ReadFile(filepath.Join("testdata", name+".pkl"))
		if err != nil {
			b.Fatal(err)
		}
		inputs[name] = data
	}
	for _, name := range sortedKeys(inputs) {
		data := inputs[name]
		if _, err := Scan(data); err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				Scan(data)
			}
		})
	}
}

func BenchmarkDisassemble(b *testing.B) {
	data := stateDict(1000)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		Disassemble(io.Discard, data)
	}
}

func TestStateDictBenchmarkInput(t *testing.T) {
	info, err := Scan(stateDict(300))
	if err != nil {
		t.Fatal(err)
	}
	if len(info.PersistentIDs) != 300 || info.PersistentIDs[299].String() != `("storage", torch.FloatStorage, 299, "cpu", 256)` {
		t.Errorf("persistent IDs: %d, last %v", len(info.PersistentIDs), info.PersistentIDs[len(info.PersistentIDs)-1])
	}
	if got := fmt.Sprint(info.Modules()); got != "[torch._utils torch]" {
		t.Errorf("Modules() = %s", got)
	}
}
