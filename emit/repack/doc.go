// Package repack takes records from existing torch.package archives for the
// manifest's [[from_package]] entries: the stage between the manifest and
// the resolver when a package is rebuilt from another one (weights saved by
// torch's PackageExporter, code from a source tree).
//
// [Load] opens each entry's archive with the hostile-safe [reader] (any
// torch version's layout, zip or unzipped folder) and decides, without
// running anything, what the new package takes from it:
//
//   - Pickles (records ending in ".pkl", as torch's tools name them, and
//     any other record that is a whole pickle of protocol 2 or more with
//     storage persistent IDs), each scanned statically (scanner/pickle);
//     the caller resolves their globals like those of a [[pickle]].
//   - The tensor storages those pickles use (".data/<key>.storage", named
//     by the key in each ("storage", type, key, location, numel)
//     persistent ID: an int in torch.package, a str in torch.save). They
//     come with the pickles that need them, never through include or
//     exclude, and storages no selected pickle uses are left out.
//   - Resources: every other record outside ".data/".
//   - With sources = true, module sources: interned modules become
//     [Source] records (the caller makes them provided modules that yield
//     to a [[source]] or the roots), and mocked modules (whose record is
//     torch's mock stub) become [Set.Mocked] names, mocked only if the
//     build needs them and no [[rule]] decides them otherwise.
//
// include and exclude select pickles, resources and sources by record name
// below the archive's top folder. Never copied: torch's bookkeeping
// (.data/version, .data/extern_modules, .data/python_version,
// .data/serialization_id, byteorder, a root "version"), "_mock.py" (the
// build writes its own when it mocks anything), and the rest of ".data/",
// TorchScript's .data/ts_code/ included.
//
// # Storage keys
//
// Storage records keep their names unless an earlier entry (in manifest
// order) already writes one with the same name, so rebuilding one package
// keeps every name. A clashing key is renumbered to the smallest free
// decimal key, and the pickles that use it are rewritten in place with
// [pickle.RewritePersistentIDs], which changes only the key's opcode and
// keeps its Python type.
//
// # Problems
//
// Load reports every problem at once, as [*Errors]: manifest errors
// located at the entry (an include that matches nothing, with the reason
// when it matches only records that are never taken; a record another
// entry writes too) and problems with an archive (malformed, as the reader
// says with the record at fault; a selected record that is not a pickle;
// a pickle that holds a TorchScript module, which needs .data/ts_code; a
// storage a pickle needs that the archive lacks; a persistent ID that
// cannot be read statically; big-endian storages, which the torch 1.13
// layout pkgbuild writes cannot say).
//
// # Non-goals
//
// TorchScript; pickles' __reduce_package__ hooks other than storages
// (their persistent IDs are copied unchanged, and the records they load
// are copied only if selected); deduplicating equal storages of different
// archives.
package repack
