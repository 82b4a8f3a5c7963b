// Package integration runs pkgbuild inside the build systems and hooks that
// call it, each for real:
//
//   - GNU make and ninja, through the depfile that `pkgbuild build --depfile`
//     writes: a build reruns pkgbuild exactly when a file the package was made
//     from changes (depfile_test.go);
//   - pre-commit, through the repository's .pre-commit-hooks.yaml: a commit
//     that leaves pkgbuild.lock stale is refused with the lock's diff, and
//     the pkgbuild-lock hook rewrites it (precommit_test.go);
//   - Bazel, through examples/bazel: the pkgbuild_package rule is a hermetic,
//     reproducible action (bazel_test.go).
//
// The tests run the pkgbuild binary, built once from this repository, as
// those tools do. A test whose tool is missing is skipped with the Debian
// package that provides it (.ci/deps installs them all); with
// PKGBUILD_REQUIRE_TORCH=1, as `make test` sets, it fails instead.
//
// The package has no code of its own: everything is in its tests.
package integration
