"""Rebuild PySide6's ICU data library (libicudata.so.73, 31 MB) without the parts Qt never reads.

Qt Core links ICU and reads from its data only collation (QCollator, the file dialog's sorting),
case mapping (built into libicuuc), IDNA/normalisation and the converter aliases. The locale
display names (languages, regions, currencies, units, time zones), number spell-out rules, break
iterator dictionaries, transliteration, the legacy charset converters and the character names are
ICU's formatting services, which Qt replaces with its own CLDR tables. They are dropped here;
everything else is copied byte for byte.

The data is ICU's "common data" archive (a header, a table of contents of names and offsets,
then the items, each 16-byte aligned) exported as the one symbol ``icudt73_dat``. This script
cuts the archive out of the library, writes a new archive without the dropped items and links a
new library of the same name around it (gcc). Used by packaging/bundle.sh.

    python3 packaging/icu_trim.py LIBICUDATA    (rewrites it in place; prints the sizes)
"""

from __future__ import annotations

import re
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

# Items by name (after "icudtNNl/"): the formatting data Qt does not use.
DROP = re.compile(
    r"^(curr|lang|region|unit|zone|rbnf|brkitr|translit)/"  # display names, spell-out, breaks
    r"|\.cnv$"  # legacy charset converters (Qt converts UTF-8/16/Latin-1 itself)
    r"|^unames\.icu$"  # Unicode character names
)


def cut_archive(lib: bytes) -> tuple[bytes, str]:
    """The common-data archive inside the library, and its symbol's name."""
    for m in re.finditer(rb"\xda\x27", lib):
        start = m.start() - 2
        if lib[start + 12 : start + 16] == b"CmnD":
            break
    else:
        raise SystemExit("no ICU common data archive in the library")
    header_size = struct.unpack_from("<H", lib, start)[0]
    toc = start + header_size
    count = struct.unpack_from("<I", lib, toc)[0]
    entries = [struct.unpack_from("<II", lib, toc + 4 + 8 * i) for i in range(count)]
    first_name = lib[toc + entries[0][0] : lib.index(b"\0", toc + entries[0][0])].decode()
    prefix = first_name.split("/", 1)[0]  # icudt73l
    symbol = prefix[:-1] + "_dat"  # icudt73_dat
    return lib[start:], symbol


def rebuild(archive: bytes, size: int) -> tuple[bytes, int, int]:
    archive = archive[:size]
    header_size = struct.unpack_from("<H", archive, 0)[0]
    header = archive[:header_size]
    count = struct.unpack_from("<I", archive, header_size)[0]
    entries = [struct.unpack_from("<II", archive, header_size + 4 + 8 * i) for i in range(count)]
    items = []
    for i, (name_off, data_off) in enumerate(entries):
        name_at = header_size + name_off
        name = archive[name_at : archive.index(b"\0", name_at)].decode()
        end = entries[i + 1][1] if i + 1 < count else size - header_size
        items.append((name, archive[header_size + data_off : header_size + end]))
    kept = [(n, d) for n, d in items if not DROP.search(n.split("/", 1)[1])]
    # The new table: count, (name offset, data offset) pairs, the names, then 16-aligned items;
    # offsets count from the table's start, and the order (sorted by name) is kept.
    names = b"".join(n.encode() + b"\0" for n, _ in kept)
    table_len = 4 + 8 * len(kept) + len(names)
    pad = (-(header_size + table_len)) % 16
    data_start = table_len + pad
    offsets, blobs, name_off, data_off = [], [], 4 + 8 * len(kept), data_start
    for n, d in kept:
        offsets.append((name_off, data_off))
        name_off += len(n.encode()) + 1
        padded = d + b"\0" * ((-len(d)) % 16)
        blobs.append(padded)
        data_off += len(padded)
    table = struct.pack("<I", len(kept)) + b"".join(struct.pack("<II", *o) for o in offsets)
    new = header + table + names + b"\0" * pad + b"".join(blobs)
    return new, len(items), len(kept)


def main() -> None:
    lib_path = Path(sys.argv[1])
    lib = lib_path.read_bytes()
    archive, symbol = cut_archive(lib)
    nm = subprocess.run(
        ["nm", "-D", "-S", "--defined-only", str(lib_path)], capture_output=True, text=True
    ).stdout
    sizes = [int(f[1], 16) for f in (line.split() for line in nm.splitlines()) if f[-1] == symbol]
    if len(sizes) != 1:
        raise SystemExit(f"{lib_path} does not export {symbol}")
    new, before, after = rebuild(archive, sizes[0])
    soname = lib_path.name
    with tempfile.TemporaryDirectory() as tmp:
        dat = Path(tmp) / "data.dat"
        dat.write_bytes(new)
        asm = Path(tmp) / "data.S"
        asm.write_text(
            f"    .section .rodata\n    .globl {symbol}\n    .type {symbol}, @object\n"
            f'    .balign 16\n{symbol}:\n    .incbin "{dat}"\n'
            f"    .size {symbol}, . - {symbol}\n"
            '    .section .note.GNU-stack,"",@progbits\n'
        )
        out = Path(tmp) / soname
        subprocess.run(
            [
                "gcc",
                "-shared",
                "-nostdlib",
                f"-Wl,-soname,{soname}",
                "-Wl,-z,noexecstack",
                "-Wl,--hash-style=both",
                "-o",
                str(out),
                str(asm),
            ],
            check=True,
        )
        lib_path.write_bytes(out.read_bytes())
    print(
        f"{soname}: {len(lib) / 1e6:.1f} MB → {lib_path.stat().st_size / 1e6:.1f} MB "
        f"({before} → {after} data items)"
    )


if __name__ == "__main__":
    main()
