"""Replace libraries the bundle must carry by name, but whose code leodesk never runs, with small
stand-ins.

PyAV's FFmpeg links every encoder, device and hardware interface it was built with, Pillow links
libxcb for its X11 screen grab and Qt Network links GSSAPI for Kerberos HTTP authentication.
leodesk decodes video with FFmpeg's own decoders (H.264, HEVC, VP8, VP9, Opus, AAC, MP3…) and
dav1d (AV1), encodes with libx264 only, uses no FFmpeg filter, device or hardware codec, grabs no
screen and authenticates to no HTTP server through Qt (QtNetwork serves its local socket; the API
goes through httpx). The linking libraries must still find a library of each name to load at all,
and call into it only when that feature is used. So each one is replaced by a library of the same
name exporting exactly the symbols the libraries that link it import from it (and nothing else
in their reach provides); each of them stops the process with a message naming what is missing,
so a use can never go unnoticed or run on garbage. A few functions are called without such a use
(FFmpeg's codec registration, PyAV's import) and answer "absent" instead (the ``special``
bodies below). The libraries only the replaced ones needed go too.

packaging/stand_ins_check.py then checks with PyAV that the bundle decodes every kind of video
leodesk may meet as the untouched libraries do, and that each replaced feature stops with its
message; packaging/bundle_smoke.sh encodes (x264) and decodes a video with the bundle. Used by
packaging/bundle.sh; what each stand-in replaces and why: packaging/BUNDLE.md.

    python3 packaging/stand_ins.py BUNDLE_INTERNAL_DIR
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

# Bodies of the functions called without a use of the missing feature.
ABSENT_STRING = (
    'const char *{name}(void) {{ return "leodesk: a stand-in, {what} is not part of this '
    'bundle"; }}'
)
RETURN_NULL = "const void *{name}(void) {{ return NULL; }}"  # (its argument, if any, unread)
X265_API_GET = (
    "void *{name}(int depth) {{\n"
    '    if (depth == 0) missing("{name}(0)");\n'
    "    return NULL;  /* no bit depth: FFmpeg's start-up probe */\n}}"
)


@dataclass(frozen=True)
class StandIn:
    pattern: str  # a regular expression matching the library's path inside the bundle
    what: str  # what is missing, for the message
    special: dict[str, str] = field(default_factory=dict)  # body by symbol (prefix)


# Dependents before what they link (libxcb-shm before libxcb), so that the second stand-in only
# serves what is still linked.
STAND_INS = [
    StandIn(
        r"av\.libs/libx265-.*",
        "the HEVC encoder (x265)",
        # FFmpeg asks x265 at start-up which bit depths it encodes (12, 10, 8): "none", so
        # opening libx265 fails with FFmpeg's "Generic error in an external library".
        {"x265_api_get_": X265_API_GET},
    ),
    StandIn(r"av\.libs/libSvtAv1Enc-.*", "the AV1 encoder (SVT-AV1)"),
    # FFmpeg's VP8/VP9 encoders and the optional libvpx decoders; FFmpeg's own VP8/VP9
    # decoders are the ones it picks. At codec registration FFmpeg asks the VP9 encoder for its
    # capabilities (high bit depth, to list its pixel formats): none.
    StandIn(
        r"av\.libs/libvpx-.*",
        "the VP8/VP9 codec library (libvpx)",
        {
            "vpx_codec_vp9_cx": RETURN_NULL,
            "vpx_codec_get_caps": "long {name}(const void *iface) {{ (void)iface; return 0; }}",
        },
    ),
    StandIn(r"av\.libs/libmp3lame-.*", "the MP3 encoder (LAME)"),
    # The AMR speech codecs; FFmpeg decodes AMR itself.
    StandIn(r"av\.libs/libopencore-amr(nb|wb)-.*", "the AMR speech codec (opencore-amr)"),
    # FFmpeg decodes Opus itself (WebM audio); libopus would only encode.
    StandIn(r"av\.libs/libopus-.*", "the Opus encoder (libopus)"),
    # FFmpeg's WebP encoders (it decodes WebP itself); Pillow keeps its own libwebp.
    StandIn(r"av\.libs/libwebpmux-.*", "FFmpeg's animated WebP encoder (libwebpmux)"),
    StandIn(r"av\.libs/libwebp-.*", "FFmpeg's WebP encoder (libwebp)"),
    # Intel Quick Sync hardware codecs and filters (oneVPL): only when a QSV device is made.
    StandIn(r"av\.libs/libvpl-.*", "Intel Quick Sync (oneVPL)"),
    # Filter graphs: PyAV's av.filter and audio resampler, the lavfi input device. PyAV reads
    # the library's version, configuration and licence at import (av.library_versions): it
    # reports version 0.0.0 and says it is a stand-in.
    StandIn(
        r"av\.libs/libavfilter-.*",
        "FFmpeg's filter library (libavfilter)",
        {
            "avfilter_version": "unsigned {name}(void) {{ return 0; }}",
            "avfilter_configuration": ABSENT_STRING,
            "avfilter_license": ABSENT_STRING,
            # PyAV lists the filters at import (av.filter.filters_available): none.
            "av_filter_iterate": RETURN_NULL,
        },
    ),
    # libavdevice's sound and X11 screen-capture devices (PyAV registers the devices at
    # import; that calls neither library).
    StandIn(r"av\.libs/libasound-.*", "FFmpeg's ALSA sound device (libasound)"),
    StandIn(
        r"av\.libs/libxcb-(shm|shape|xfixes)-.*", "FFmpeg's X11 screen capture (libxcb extensions)"
    ),
    StandIn(r"av\.libs/libxcb-[0-9a-f]{8}\.so.*", "FFmpeg's X11 screen capture (libxcb)"),
    # Pillow's ImageGrab.grab() on X11.
    StandIn(r"pillow\.libs/libxcb-[0-9a-f]{8}\.so.*", "Pillow's X11 screen grab (libxcb)"),
    # FFmpeg's TLS for tls:// and https:// inputs; leodesk hands FFmpeg only local files and
    # bytes (downloads go through httpx), so FFmpeg never opens a network protocol.
    StandIn(r"av\.libs/libgnutls-.*", "FFmpeg's TLS (GnuTLS, for https:// inputs)"),
    # Qt Network's Kerberos/Negotiate HTTP authentication (QAuthenticator); leodesk uses Qt
    # Network for its local socket only. The one data symbol Qt reads (the name type it passes
    # to gss_import_name) is a null pointer: it is only read right before that call stops.
    StandIn(
        r"libgssapi_krb5\.so\.2",
        "Kerberos authentication (GSSAPI)",
        {"GSS_C_NT_HOSTBASED_SERVICE": "const void *{name} = NULL;"},
    ),
]


def dynsyms(path: Path, undefined: bool) -> dict[str, str]:
    """The dynamic symbols (defined or undefined) of ``path``, with their nm type letters."""
    flag = "--undefined-only" if undefined else "--defined-only"
    out = subprocess.run(["nm", "-D", flag, str(path)], capture_output=True, text=True)
    if out.returncode != 0:
        return {}
    names = {}
    for line in out.stdout.splitlines():
        fields = line.split()
        if fields and (undefined or fields[-2] in "TtWiDdBbRrVv"):
            names[fields[-1].split("@")[0]] = fields[-2]
    return names


def needed(path: Path) -> set[str]:
    out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True).stdout
    return set(re.findall(r"\(NEEDED\)\s+Shared library: \[(.+)\]", out))


def soname(path: Path) -> str:
    out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True).stdout
    m = re.search(r"\(SONAME\)\s+Library soname: \[(.+)\]", out)
    return m.group(1) if m else path.name


def elves(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.so*") if p.is_file() and not p.is_symlink())


def remove_orphans(root: Path, candidates: set[str]) -> None:
    """Delete the libraries named in ``candidates`` that nothing left in the bundle links, then
    those that only the deleted ones linked, and so on."""
    while candidates:
        linked: set[str] = set()
        for f in elves(root):
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
                print(f"{path.name}: {size:.2f} MB, linked by nothing now: removed")
        candidates = next_round


def source(stand_in: StandIn, used: list[str]) -> str:
    lines = [
        "#include <stdio.h>",
        "#include <stdlib.h>",
        "static void missing(const char *symbol) {",
        f'    fprintf(stderr, "leodesk: {stand_in.what} is not part of this bundle (%s called)\\n",'
        " symbol);",
        "    abort();",
        "}",
    ]
    for name in used:
        body = next((b for p, b in stand_in.special.items() if name.startswith(p)), None)
        if body:
            lines.append(body.format(name=name, what=stand_in.what))
        else:
            lines.append(f'void {name}(void) {{ missing("{name}"); }}')
    return "\n".join(lines) + "\n"


def replace(root: Path, stand_in: StandIn, target: Path) -> None:
    libs = elves(root)
    by_soname = {soname(p): p for p in libs}
    name_of_target = soname(target)
    users = [p for p in libs if p != target and name_of_target in needed(p)]
    wanted: set[str] = set()
    for user in users:
        wanted |= set(dynsyms(user, undefined=True))
    # What the users' other libraries (and theirs) provide binds there, not to the stand-in.
    reach: set[Path] = set()
    todo = [by_soname[n] for u in users for n in needed(u) if n in by_soname]
    while todo:
        lib = todo.pop()
        if lib in reach or lib == target:
            continue
        reach.add(lib)
        todo += [by_soname[n] for n in needed(lib) if n in by_soname]
    elsewhere: set[str] = set()
    for lib in reach:
        elsewhere |= set(dynsyms(lib, undefined=False))
    exported = dynsyms(target, undefined=False)
    used = sorted((set(exported) & wanted) - elsewhere)
    data = {n for n in used if exported[n] in "DdBbRrVv"}
    if data - set(stand_in.special):
        raise SystemExit(f"{target.name}: data symbols imported ({sorted(data)})")
    before = target.stat().st_size
    orphans_maybe = needed(target)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "stand_in.c"
        src.write_text(source(stand_in, used))
        out = Path(tmp) / "stand_in.so"
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
        f"{target.relative_to(root)}: {before / 1e6:.2f} MB → {target.stat().st_size / 1e6:.3f} MB"
        f" (a stand-in for {stand_in.what}: {len(used)} symbols)"
    )
    remove_orphans(root, orphans_maybe)


def unlinked(root: Path) -> list[Path]:
    """The libraries in the bundle that nothing in it links: what the bundle's loaders load
    (Python's extension modules, Qt's plugins, libpython) aside, dead weight, such as what only a
    dropped plugin needed."""
    libs = elves(root)
    linked: set[str] = set()
    for lib in libs:
        linked |= needed(lib)
    return [
        lib
        for lib in libs
        if lib.name.startswith("lib")
        and not lib.name.startswith("libpython")
        and "plugins" not in lib.relative_to(root).parts
        and soname(lib) not in linked
    ]


def main() -> None:
    root = Path(sys.argv[1])
    for stand_in in STAND_INS:
        inside = [(p, str(p.relative_to(root))) for p in elves(root)]
        targets = [p for p, rel in inside if re.fullmatch(stand_in.pattern, rel)]
        if not targets:
            print(f"stand_ins.py: nothing matches {stand_in.pattern} (no longer in the bundle?)")
        for target in targets:
            replace(root, stand_in, target)
    dead = unlinked(root)
    if dead:
        names = ", ".join(str(p.relative_to(root)) for p in dead)
        raise SystemExit(f"linked by nothing in the bundle (drop them in leodesk.spec): {names}")


if __name__ == "__main__":
    main()
