module github.com/pkgbuild/pkgbuild

go 1.24

require (
	github.com/BurntSushi/toml v1.6.0 // indirect
	github.com/bmatcuk/doublestar/v4 v4.10.4 // indirect
	github.com/google/go-cmp v0.7.0 // indirect
	github.com/nlpodyssey/gopickle v0.2.0 // indirect
	golang.org/x/tools v0.52.0 // indirect
)
