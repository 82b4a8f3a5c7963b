module github.com/pkgbuild/pkgbuild

go 1.26.0

require (
	github.com/BurntSushi/toml v1.6.0
	github.com/bmatcuk/doublestar/v4 v4.10.4
	github.com/google/go-cmp v0.7.0
	golang.org/x/tools v0.52.0
)
