package emit

import "strings"

// FormatVersion is the archive format version torch's PackageExporter
// records (it calls set_min_version(6)), as the content of ".data/version".
const FormatVersion = "6\n"

// DataRecords returns the records PackageExporter writes after the modules,
// in its order:
//
//	.data/extern_modules  the extern modules, one a line ("\n" when none)
//	.data/python_version  pythonVersion, with no trailing newline
//	.data/version         "6\n" (torch's writer adds it last, itself)
//
// externs is kept in the order given, which for torch is the dependency
// graph's insertion order.
func DataRecords(externs []string, pythonVersion string) []Record {
	return []Record{
		{Name: ".data/extern_modules", Data: []byte(strings.Join(externs, "\n") + "\n")},
		{Name: ".data/python_version", Data: []byte(pythonVersion)},
		{Name: ".data/version", Data: []byte(FormatVersion)},
	}
}
