"""Replace the parts of FFmpeg leodesk never uses with small stand-ins (33 MB of the bundle).

PyAV's FFmpeg links every encoder it was built with, so the bundle carried x265 (HEVC, 20.6 MB)
and SVT-AV1 (7.1 MB) although leodesk only decodes video (FFmpeg's own H.264/HEVC/VP9 decoders,
dav1d for AV1) and the simulator encodes with libx264. libavcodec must still find a library of
each name to load at all, and calls into it only when that encoder is opened. So each is replaced
by a library of the same name exporting exactly the symbols the libraries that link it import
from it (and no other library provides); every one of them stops the process with a message
naming the missing encoder, so a use can never go unnoticed or run on garbage. One exception:
FFmpeg asks x265 at start-up which bit depths it encodes (x265_api_get(12), (10), (8)); the
stand-in answers "none" (NULL), so opening libx265 fails with FFmpeg's "Generic error in an
external library" (checked with PyAV), and only x265_api_get(0) stops the process. The same for
GnuTLS, which libavformat links for https:// inputs (leodesk gives FFmpeg local files only).
Libraries only the real ones needed (libmvec for x265; nettle, hogweed, gmp and libunistring for
GnuTLS) go too. packaging/bundle_smoke.sh encodes (x264) and decodes a video with the result;
opening an https:// input stops with "FFmpeg's TLS (GnuTLS, for https:// inputs) is not part of
this bundle" (checked with PyAV). Used by packaging/bundle.sh.

    python3 packaging/stub_encoders.py BUNDLE_INTERNAL_DIR
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

STUBBED = {
    "libx265": "the HEVC encoder (x265)",
    "libSvtAv1Enc": "the AV1 encoder (SVT-AV1)",
    # FFmpeg's TLS for tls:// and https:// inputs; leodesk hands FFmpeg only local files and
    # bytes (downloads go through httpx), so FFmpeg never opens a network protocol.
    "libgnutls": "FFmpeg's TLS (GnuTLS, for https:// inputs)",
}
# Bodies other than "stop the process", by symbol name prefix.
SPECIAL = {
    "x265_api_get_": "void *{name}(int depth) {{\n"
    '    if (depth == 0) missing("{name}(0)");\n'
    "    return NULL;  /* no bit depth: FFmpeg's start-up probe */\n}}",
}


def dynsyms(path: Path, undefined: bool) -> set[str]:
    flag = "--undefined-only" if undefined else "--defined-only"
    out = subprocess.run(["nm", "-D", flag, str(path)], capture_output=True, text=True)
    if out.returncode != 0:
        return set()
    names = set()
    for line in out.stdout.splitlines():
        fields = line.split()
        if fields and (undefined or fields[-2] in "TtWiDdBbRrVv"):
            names.add(fields[-1].split("@")[0])
    return names


def needed(path: Path) -> set[str]:
    out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True).stdout
    return set(re.findall(r"\(NEEDED\)\s+Shared library: \[(.+)\]", out))


def soname(path: Path) -> str:
    out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True).stdout
    m = re.search(r"\(SONAME\)\s+Library soname: \[(.+)\]", out)
    return m.group(1) if m else path.name


def remove_orphans(root: Path, candidates: set[str]) -> None:
    """Delete the libraries named in ``candidates`` that nothing left in the bundle links, then
    those that only the deleted ones linked, and so on."""
    while candidates:
        files = [p for p in root.rglob("*.so*") if p.is_file() and not p.is_symlink()]
        linked: set[str] = set()
        for f in files:
            linked |= needed(f)
        next_round: set[str] = set()
        for name in sorted(candidates - linked):
            paths = list(root.rglob(name))
            for path in [p for p in paths if p.is_symlink()]:
                path.unlink()
            for path in [p for p in paths if not p.is_symlink() and p.is_file()]:
                next_round |= needed(path)
                size = path.stat().st_size / 1e6
                path.unlink()
                print(f"{path.name}: {size:.1f} MB, linked by nothing now: removed")
        candidates = next_round


def main() -> None:
    root = Path(sys.argv[1])
    elves = [p for p in root.rglob("*.so*") if p.is_file() and not p.is_symlink()]
    for prefix, what in STUBBED.items():
        targets = [p for p in elves if p.name.startswith(prefix + "-") or p.name == prefix + ".so"]
        for target in targets:
            name_of_target = soname(target)
            wanted: set[str] = set()
            elsewhere: set[str] = set()
            for other in elves:
                if other == target:
                    continue
                elsewhere |= dynsyms(other, undefined=False)
                if name_of_target in needed(other):
                    wanted |= dynsyms(other, undefined=True)
            exported = dynsyms(target, undefined=False)
            used = sorted((exported & wanted) - elsewhere)
            kinds = subprocess.run(
                ["nm", "-D", "--defined-only", str(target)], capture_output=True, text=True
            ).stdout
            data = {f[-1] for f in (ln.split() for ln in kinds.splitlines()) if f[-2] in "DdBbRrVv"}
            if data & set(used):
                raise SystemExit(f"{target.name}: data symbols imported ({data & set(used)})")
            lines = [
                "#include <stdio.h>",
                "#include <stdlib.h>",
                "static void missing(const char *symbol) {",
                f'    fprintf(stderr, "leodesk: {what} is not part of this bundle (%s called)\\n",'
                " symbol);",
                "    abort();",
                "}",
            ]
            for name in used:
                body = next((b for p, b in SPECIAL.items() if name.startswith(p)), None)
                lines.append(
                    body.format(name=name)
                    if body
                    else f'void {name}(void) {{ missing("{name}"); }}'
                )
            before = target.stat().st_size
            orphans_maybe = needed(target)
            with tempfile.TemporaryDirectory() as tmp:
                src = Path(tmp) / "stub.c"
                src.write_text("\n".join(lines) + "\n")
                out = Path(tmp) / "stub.so"
                subprocess.run(
                    [
                        "gcc",
                        "-shared",
                        "-fPIC",
                        "-O2",
                        "-s",
                        f"-Wl,-soname,{name_of_target}",
                        "-o",
                        str(out),
                        str(src),
                    ],
                    check=True,
                )
                target.write_bytes(out.read_bytes())
            print(
                f"{target.name}: {before / 1e6:.1f} MB → {target.stat().st_size / 1e6:.3f} MB "
                f"(a stand-in for {what}: {', '.join(used)})"
            )
            remove_orphans(root, orphans_maybe)


if __name__ == "__main__":
    main()
