// Package reader reads torch.package archives without executing anything in
// them: the reading side of pkgbuild (`pkgbuild ls`, `cat`, `diff`, `audit`).
//
// # Input
//
// [Open] takes a path: a zip file as torch's PackageExporter writes it (any
// torch version, or another zip writer), or a folder in the layout torch's
// DirectoryReader loads (an unzipped archive: the folder plays the part of
// the top folder). [NewReader] reads a zip from an io.ReaderAt.
//
// Every input is treated as hostile. Open checks the whole archive before
// it returns and refuses, with an [*Error] naming the record at fault:
//
//   - a file that is not a zip, is truncated, or whose end records, zip64
//     end records or central directory disagree with each other or with the
//     file's real size; a central directory with bytes left over; a torch
//     "preview release" archive (PYTORCH1);
//   - more than one disk, encryption, and compression other than stored (0)
//     and deflate (8);
//   - declared offsets or sizes beyond the file, local headers that do not
//     match their central entry, and records whose bytes overlap (the
//     overlapping-entry zip bomb); a stored record whose compressed and
//     uncompressed sizes differ; a deflated record declaring more than
//     deflate can produce from its compressed size (1032:1);
//   - record names that are not valid UTF-8, hold a NUL, a backslash,
//     another control character or a bidirectional control (so that no
//     listing can be made to lie), are absolute, or have an empty, "." or
//     ".." segment; the same name twice; a name that another name needs as
//     a folder ("a" and "a/b");
//   - a first record that is not in a folder, and any record outside the
//     first record's folder (torch's single top folder);
//   - in a folder: symbolic links, devices, pipes and sockets.
//
// Zip64 is supported (torch always writes the zip64 end records), and
// so are data descriptors, zero timestamps and the "FB" alignment padding.
// Directory entries ("top/", "top/sub/", as zip -r writes them) are allowed
// when empty and are not records.
//
// # Output
//
// An [*Archive] lists its records (names below the top folder, in archive
// order; in a folder, in lexical order) and reads them. Every read is
// bounded: a stored record by its size, which Open checked against the
// file; a deflated record by its declared size, which Open checked against
// deflate's maximum ratio, and a read that produces more or other bytes
// than declared (size or CRC-32) is an error. Nothing allocates in
// proportion to a declared number that Open has not checked against the
// file's real size.
//
// On top of the records, an Archive answers what torch's PackageImporter
// would see: [Archive.Externs], [Archive.Version], [Archive.PythonVersion],
// [Archive.Modules] (the module tree PackageImporter builds), and
// [Archive.Check] (what PackageImporter would refuse: a missing or bad
// version record, a missing .data/extern_modules, an inconsistent module
// tree).
//
// [FileStructure] prints exactly what torch's
// PackageImporter.file_structure(include=..., exclude=...) prints, and
// [HasFile] answers as its has_file does. [Audit] lists every global each
// pickle imports and flags the ones a loader should not run ([Dangerous]);
// [Compare] reports what changed between two archives, with [UnifiedDiff]
// for sources.
//
// # Deliberate differences from torch
//
//   - A folder's records include hidden files: torch's DirectoryReader lists
//     its files with glob("**"), which skips names starting with ".", so its
//     file_structure() of an unzipped archive shows no ".data". Records
//     come in lexical order; DirectoryReader's order is the file system's.
//   - Records are checked as described above; torch's reader (miniz) loads
//     some archives that Open refuses, such as names with ".." segments.
//   - Zip directory entries are not records; torch lists "sub/" as one.
//
// # Non-goals
//
// Loading pickles, importing modules, TorchScript, writing archives (see
// package emit), and archives that span several disks.
package reader
