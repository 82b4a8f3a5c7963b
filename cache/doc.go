// Package cache remembers work pkgbuild has already done, on the local disk,
// so that a rebuild only scans the Python files that changed and a no-op
// rebuild of a package of ~1,500 files costs a few milliseconds of stat calls.
//
// It holds three kinds of entries:
//
//   - scan entries: the result of scanner.Parse for one file's bytes (its
//     Stmts and Findings, or the SyntaxError or RelativeImportError it
//     returned), found by the sha256 of those bytes;
//   - stat entries: "the file at this path, with this fingerprint, had this
//     sha256" (for a directory, the sha256 of its listing), which let a
//     lookup skip reading a file (the stat fast path);
//   - action entries: the outcome of a whole build (the output's digest and
//     size, and every input file with its fingerprint and digest), which let
//     a driver see that nothing changed without reading anything;
//   - pack entries: the scan and stat entries one build used, bundled in one
//     file (UsePack).
//
// A build opens the cache with OpenOrDisable, names its pack with UsePack,
// scans through Cache.Scanner, checks for a no-op with GetAction and
// InputsUnchanged, records its inputs and output with HashFile and
// PutAction, and calls Close at the end, which writes the pack if it
// changed and trims the cache once a day (see Example).
//
// Without a pack, each scan and stat entry is a file of its own. With one,
// they live in the pack: a cold build of N files writes one file instead of
// 2N (creating and renaming a file costs more than parsing most Python
// files), and a warm one reads one. The entries in a pack keep their keys,
// so lookups are the same content-addressed lookups either way; a pack is
// per manifest, so two manifests over one tree parse it once each.
//
// The cache is beside the scanner in pkgbuild's data flow: Cache.Scanner
// returns a function with the signature of resolver.Options.Scan.
//
// # Layout on disk
//
// The cache is a directory, by default DefaultDir ($PKGBUILD_CACHE, else
// $XDG_CACHE_HOME/pkgbuild, else ~/.cache/pkgbuild; PKGBUILD_CACHE=off
// disables it):
//
//	README          what this directory is (written once)
//	CACHEDIR.TAG    marks the directory as a cache for backup tools
//	trim.txt        decimal Unix time of the last automatic trim check
//	3f/             256 shards, named by the first byte of the key in hex
//	  3f…c1-s       a scan entry   (64 hex digits of the key, then -s)
//	  3f…c1-f       a stat entry   (-f, for "file")
//	  3f…c1-a       an action entry
//	  3f…c1-p       a pack entry
//	  3f…c1-l       the layout of an action's output (ActionResult.Records)
//	  .tmp-…        an entry being written (removed by Trim after an hour)
//
// Every entry file is an 80-byte header followed by a payload:
//
//	offset size
//	0      8    magic "pkgbuild"
//	8      2    format version, little endian (FormatVersion)
//	10     1    kind: 's', 'f' or 'a'
//	11     1    zero
//	12     4    payload length, little endian
//	16     32   the entry's key (so an entry copied to another name is foreign)
//	48     32   sha256 of the payload
//	80     …    payload: varints and length-prefixed strings, kind-specific
//
// # Keys
//
// A key is the sha256 of self-describing lines, so that the lines can be
// printed to explain why a key changed (ActionKey.String):
//
//	scan:   "pkgbuild scan v%d\n" (FormatVersion) "tool %q\n" "schema %s\n" "content %x\n"
//	stat:   "pkgbuild stat v%d\n" "path %q\n" "stat size=%d mtime=%d ctime=%d ino=%d dev=%d mode=%o\n"
//	action: "pkgbuild action v%d\n" "tool %q\n" "manifest %x\n"
//	        "input %q %s\n" (per input, sorted) "output %q\n" "flag %q\n" (per flag, in order)
//	layout: the action key's lines, then "layout\n"
//	pack:   "pkgbuild pack v%d\n" (FormatVersion) "name %q\n"
//
// A pack's payload is a count, then each entry sorted by kind and key: its
// kind byte, its 32-byte key and its payload (a length, then the bytes).
// The pack a build writes holds what it used (see UsePack), so that it
// does not grow with every edit.
//
// The tool version (Scanner's toolVersion, ActionKey.ToolVersion) must name
// the code that produced the result: pkgbuild gives its version and its
// executable's Go build ID (or, without one, its sha256). The format version is part of
// every key, so a new format never reads old entries; so is a description
// of the scanner's result types (field names and types), so a development
// build whose scanner.Stmt gained a field never reads entries without it.
//
// # The stat fast path
//
// A stat entry is written only for a fingerprint (FileStat: size, mtime,
// ctime, inode, device, mode) that is not racy: the later of its mtime and
// ctime is more than RacyWindow before the moment the file was stat'ed and
// read (InputFile.Hashed, recorded in the entry), and the fingerprint was
// the same after the read as before. It is trusted only under the same
// condition, and only if the fingerprint is unchanged. The same rule decides
// when InputsUnchanged may skip reading an input. Any write to a file after that moment sets its
// ctime (and mtime) to a later time, which changes the fingerprint, so the
// fast path never maps a file to bytes it no longer has. A file changed in
// place within RacyWindow of its last change, with the same size and
// timestamps, is re-read because its fingerprint is still racy (this is
// git's racy-index rule).
//
// What the fast path relies on: the file system updates ctime on every change
// and its clock agrees with this machine's to within RacyWindow. Where the
// system reports no ctime or inode (Windows, Plan 9), the fingerprint is
// size, mtime and mode, and a tool that rewrites a file with the same size
// and then resets its mtime to the old value (with touch -d, say) fools the
// fast path: such a file is seen as unchanged until its size or mtime
// changes. On Linux, macOS and the BSDs that cannot happen without resetting
// the system clock. Scan and action results never depend on fingerprints:
// they are keyed by content hashes.
//
// # Invariants
//
//   - Entries are immutable. A writer writes a temporary file in the shard
//     and renames it over the entry's name, so readers see a whole entry or
//     none. Two writers of one key write results that are both right (equal,
//     for scan entries; for packs, each holds right entries), so either may
//     win.
//     Entries are not fsynced: the checksum catches what a crash leaves.
//   - A reader verifies the magic, the format version, the kind, the key, the
//     exact length and the checksum, then decodes the payload defensively
//     (bounded lengths and counts, no trailing bytes). Anything corrupt,
//     truncated or foreign is a miss, and the entry is rewritten; a damaged
//     pack is an empty one.
//   - A cached failure is a result: a SyntaxError or RelativeImportError comes
//     back with its type and fields, so a hit prints the same diagnostic as a
//     miss. Other errors (reading the file, say) are never cached.
//   - Inputs are regular files (and, for HashFile, folders). Anything else
//     (a named pipe, a socket, a device) is an error naming it, found by a
//     stat of the file opened without blocking: reading a pipe whole would
//     wait for a writer forever.
//   - The cache never fails a build. If the directory cannot be created or
//     written (read-only HOME, a Bazel sandbox, a full disk), OpenOrDisable
//     and every later write print exactly one one-line warning between them,
//     and the build goes on without writing to the cache.
//   - Many pkgbuild processes may share a cache at once: nothing is locked,
//     nothing is rewritten in place.
//   - Using an entry sets its mtime, at most once an hour (MtimeInterval), and
//     Trim removes the least recently used entries first. Close trims the
//     cache to 3/4 of DefaultMaxBytes when it has grown past it, checking at
//     most once a day.
//
// # Non-goals
//
// No network and no sharing between machines: Bazel's remote cache is how
// users share build results, and a pkgbuild action under Bazel is cached
// there as a whole. No locking and no index file: the resolver scans each
// file once per build, and the pack is the only in-memory layer. No durability beyond
// what rename gives: a lost entry is a miss. The cache reads source files
// from the operating system's file system, not through resolver.FS.
package cache
