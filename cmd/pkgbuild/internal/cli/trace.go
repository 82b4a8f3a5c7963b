package cli

import (
	"fmt"
	"os"
	"time"
)

// PKGBUILD_TRACE=1 prints, on stderr, how long each phase of a build took
// (process start to the first phase, then phase to phase), and the CPU
// time the process used in it, in the form
//
//	pkgbuild: trace: resolved 212.4 ms, cpu 401.3 ms (total 215.0 ms)
//
// so that a slow build can be taken apart without a profiler (cpu/wall
// near the number of cores means every core was busy).
var trace = struct {
	on      bool
	last    time.Time
	lastCPU time.Duration
	start   time.Time
}{on: os.Getenv("PKGBUILD_TRACE") != "", last: time.Now()}

func init() { trace.start = trace.last }

// phase ends the current phase, named what, when tracing is on.
func phase(e *env, what string) {
	if !trace.on {
		return
	}
	now := time.Now()
	cpu, ok := cpuTime()
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	if ok {
		fmt.Fprintf(e.stderr, "pkgbuild: trace: %s %.1f ms, cpu %.1f ms (total %.1f ms)\n", what,
			ms(now.Sub(trace.last)), ms(cpu-trace.lastCPU), ms(now.Sub(trace.start)))
	} else {
		fmt.Fprintf(e.stderr, "pkgbuild: trace: %s %.1f ms (total %.1f ms)\n", what,
			ms(now.Sub(trace.last)), ms(now.Sub(trace.start)))
	}
	trace.last, trace.lastCPU = now, cpu
}
