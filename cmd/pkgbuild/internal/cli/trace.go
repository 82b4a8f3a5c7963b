package cli

import (
	"fmt"
	"os"
	"time"
)

// PKGBUILD_TRACE=1 prints, on stderr, how long each phase of a build took
// (process start to the first phase, then phase to phase), in the form
//
//	pkgbuild: trace: resolve 212.4 ms (total 215.0 ms)
//
// so that a slow build can be taken apart without a profiler.
var trace = struct {
	on   bool
	last time.Time
}{on: os.Getenv("PKGBUILD_TRACE") != "", last: time.Now()}

// traceStart is the process's start, as near as Go lets a program know it.
var traceStart = trace.last

// phase ends the current phase, named what, when tracing is on.
func phase(e *env, what string) {
	if !trace.on {
		return
	}
	now := time.Now()
	fmt.Fprintf(e.stderr, "pkgbuild: trace: %s %.1f ms (total %.1f ms)\n", what,
		float64(now.Sub(trace.last).Microseconds())/1000, float64(now.Sub(traceStart).Microseconds())/1000)
	trace.last = now
}
