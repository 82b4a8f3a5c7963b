//go:build !unix

package scanner

func cpuSeconds() float64 { return 0 }
