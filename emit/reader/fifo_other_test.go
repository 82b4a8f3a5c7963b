//go:build !unix

package reader

import "errors"

func mkfifo(string) error { return errors.New("no named pipes here") }
