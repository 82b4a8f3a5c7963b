// Package emit writes a built package to disk as a torch.package archive,
// the last stage of pkgbuild (manifest -> scanner -> resolver -> emit).
//
// # Input and output
//
// The input is a list of [Record] values: a name below the archive's top
// folder ("pkg/mod.py", ".data/version") and its bytes, given in memory
// (Data) or as a stream (Open). The caller decides the records and their
// order; emit adds, drops and reorders nothing. [DataRecords] gives the
// three ".data/" records PackageExporter ends an archive with, and
// [MockStub] and [MockModule] the sources of mocked modules and of the
// "_mock.py" they import.
//
// [WriteZip] writes the archive to an io.Writer. [Write] writes it to a path
// atomically, as a zip file or, when the path ends with a separator, as the
// unzipped tree torch's DirectoryReader loads, and returns the SHA-256 of the
// zip either way. [WriteReusing] does the same and returns the archive's
// [Layout] (where each record lies, and the hash's state every MiB), with
// which the next write to the same path copies the records that did not
// change from the old archive instead of reading, hashing and writing them
// again. [TopFolder] gives the top folder torch derives from an output file
// name. (Torch 1.13 loads the tree with PackageImporter("out"):
// its DirectoryReader garbles the names it lists when given "out/".)
//
// # Archive layout
//
// The zip is byte for byte what torch 1.13's PyTorchStreamWriter (miniz,
// caffe2/serialize/inline_container.cc) writes for the same records written
// in the same order:
//
//   - Every entry is named top + "/" + record name; the top folder comes from
//     the output file name (TopFolder: "out/my.model.pt" -> "my.model").
//   - Entries appear in record order, followed by the central directory in
//     the same order.
//   - Entries are stored (method 0), never compressed.
//   - Local header: version needed 0, flags 0x0808 (bit 3: data descriptor,
//     bit 11: UTF-8 name) or 0x0800 for an empty record, which has no
//     descriptor; time and date 0; CRC-32 and sizes 0 (they are in the
//     descriptor).
//   - Every record's data starts at a multiple of 64 bytes. The local header
//     ends with an extra field "FB", a 2-byte little-endian length, and that
//     many 'Z' bytes (0 to 63); the field is present even when the length is
//     0. Central directory entries do not carry it.
//   - After non-empty data comes a data descriptor: "PK\x07\x08", CRC-32,
//     compressed size, uncompressed size (equal, 4 bytes each; 8 bytes each
//     when the entry has a zip64 extra field).
//   - Central directory entries: version made by 0, version needed 0, the
//     local flags, time and date 0, CRC-32, sizes and local header offset
//     (each capped at 0xFFFFFFFF), no comment, internal and external
//     attributes 0.
//   - Zip64 extra fields (id 0x0001) exactly where miniz writes them: an entry
//     whose size is 0xFFFFFFFF or more, or whose local header starts at offset
//     0xFFFFFFFF or more, gets one in its local header (size, compressed size
//     0, offset; each only if at the limit), ahead of the "FB" field, and one
//     in its central entry (size, size, offset; likewise).
//   - The archive always ends with a zip64 end of central directory record
//     (version made by 0x031E, needed 0x002D), a zip64 locator (one disk),
//     and the classic end record with counts capped at 0xFFFF and size and
//     offset capped at 0xFFFFFFFF, and no comment. An archive of no records
//     records its central directory at offset 0, as miniz does.
//
// Record names must be clean relative slash paths: not empty, no leading
// "/", no backslash, no NUL, valid UTF-8, and no empty, "." or ".." segment;
// no name twice; at most 65535 bytes with the top folder; Data or Open, not
// both. All problems are reported together, as [RecordError] values, before
// anything is written. The unzipped tree also refuses a name that another
// name needs as a folder.
//
// # Invariants
//
//   - Streaming: a record opened with Open is read once, in 256 KiB chunks,
//     and its CRC-32 is computed on the way; only the central directory is
//     kept in memory. A streamed record of 4 GiB or more must announce its
//     size (a Stat or Size method, as *os.File has), because miniz writes
//     it in the local header; a record that changes size while being read
//     is an error.
//   - Atomic: Write goes through a temporary file (or folder) beside the
//     output, synced and then renamed into place, so an error or a crash
//     leaves the previous output or none, never a partial one. An error
//     removes the temporary; a crash may leave a hidden ".pkgbuild-*" entry
//     beside the output. A tree replaces the previous one by two renames
//     (old aside, new in), so for an instant neither is at the path.
//   - Reproducible: the bytes depend only on the records and the top folder,
//     never on time, time zone, umask, working directory or the order the
//     file system lists things. Files are created 0644 and folders 0755
//     whatever the umask.
//   - The digest of the unzipped tree is the digest of the zip Write would
//     have written with the folder's base name as top folder, so both forms
//     of the same build report the same digest.
//
// # Non-goals
//
//   - Records torch's writer adds on its own: the C++ writer appends
//     ".data/version" at the end of every archive; emit writes it only when
//     given (DataRecords does). Newer torch also writes "byteorder" and
//     ".data/serialization_id", which 1.13 does not; emit follows 1.13.
//   - Compression, comments, timestamps, file modes inside the zip, or
//     alignments other than 64.
//   - Choosing what goes into a package: that is the resolver's job.
//   - Reading or appending to archives.
//   - Names that differ only in case on a case-insensitive file system.
//
// The one deliberate difference from a PackageExporter archive of the same
// modules is "_mock.py", whose text is pkgbuild's own (same behaviour).
package emit
