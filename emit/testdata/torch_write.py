"""Write an archive with torch's own zip writer, for emit's byte-exactness test.

Usage: python3 torch_write.py MANIFEST OUT

MANIFEST is a JSON object:

    {"min_version": 6,                          # optional: set_min_version(6)
     "records": [{"name": "pkg/a.py", "file": "/path/to/bytes"},
                 {"name": "big.bin", "zeros": 4294967295}]}

Each record is passed to torch._C.PyTorchFileWriter.write_record in order;
write_end_of_file then appends torch's version record. OUT's base name, minus
its extension, becomes the top folder. On success the script prints a JSON
object with the top folder torch chose and the records it wrote.
"""

import json
import sys

import torch


def main(manifest_path, out):
    with open(manifest_path, encoding="utf-8") as f:
        manifest = json.load(f)
    writer = torch._C.PyTorchFileWriter(out)
    if manifest.get("min_version") is not None:
        writer.set_min_version(manifest["min_version"])
    for rec in manifest["records"]:
        if "zeros" in rec:
            data = bytes(rec["zeros"])
        else:
            with open(rec["file"], "rb") as f:
                data = f.read()
        writer.write_record(rec["name"], data, len(data))
        del data
    writer.write_end_of_file()
    json.dump(
        {
            "archive_name": writer.archive_name(),
            "records": sorted(writer.get_all_written_records()),
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
