"""Check the bundle's FFmpeg and Pillow stand-ins (packaging/stand_ins.py) against the untouched
libraries. Run by packaging/bundle.sh with the build venv's Python, after the stand-ins are made.

1. The build venv's untouched PyAV makes short clips of every kind leodesk may meet: H.264+AAC
   and HEVC MP4, VP8+Opus and VP9+Opus WebM, AV1 MP4 and WebM, MPEG-4+MP3 MP4.
2. Each clip is decoded (video and audio, every frame; a seek; ``to_image`` and ``reformat``)
   with the untouched libraries and with the bundle's own (its PyAV and Pillow modules and
   libraries, under the venv's pure-Python PyAV and Pillow code): the same decoders must be
   picked and the same frames come out; the codec and format lists must be the same; a libx264
   MP4 must round-trip.
3. Every feature a stand-in replaced must stop the process with its message when used.

    python packaging/stand_ins_check.py BUNDLE_INTERNAL_DIR
"""

from __future__ import annotations

import difflib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

MAKE = r"""
import sys, av
from PIL import Image
out = sys.argv[1]
def make(name, fmt, vcodec, acodec=None):
    if vcodec not in av.codecs_available or (acodec and acodec not in av.codecs_available):
        print(f"skipped {name}: no {vcodec}/{acodec} in this PyAV", file=sys.stderr)
        return
    with av.open(f"{out}/{name}", "w", format=fmt) as c:
        v = c.add_stream(vcodec, rate=24)
        v.width, v.height, v.pix_fmt = 160, 96, "yuv420p"
        a = c.add_stream(acodec, rate=48000) if acodec else None
        for i in range(24):
            img = Image.new("RGB", (160, 96), (10, 20, 30))
            img.paste((200, 50, 20), (0, 0, 1 + i * 6, 96))
            c.mux(v.encode(av.VideoFrame.from_image(img)))
        c.mux(v.encode(None))
        if a:
            ctx = a.codec_context
            n = ctx.frame_size or 1024
            for k in range(20):
                f = av.AudioFrame(format=ctx.format.name, layout=ctx.layout.name, samples=n)
                for plane in f.planes:
                    plane.update(bytes(plane.buffer_size))
                f.sample_rate, f.pts = 48000, k * n
                c.mux(a.encode(f))
            c.mux(a.encode(None))
make("h264.mp4", "mp4", "libx264", "aac")
make("hevc.mp4", "mp4", "libx265")
make("vp8.webm", "webm", "libvpx", "libopus")
make("vp9.webm", "webm", "libvpx-vp9", "libopus")
make("av1.mp4", "mp4", "libsvtav1")
make("av1.webm", "webm", "libsvtav1", "libopus")
make("mpeg4.mp4", "mp4", "mpeg4", "libmp3lame")
"""

DECODE = r"""
import io, sys, av
from pathlib import Path
from PIL import Image
print("codecs", sorted(av.codecs_available))
print("formats", sorted(av.formats_available))
for path in sorted(Path(sys.argv[1]).iterdir()):
    with av.open(str(path)) as c:
        vs = c.streams.video[0]
        vs.thread_type = "AUTO"
        n = 0
        for frame in c.decode(vs):
            frame.to_image()
            frame.reformat(width=80, height=48, format="rgb24")
            n += 1
        c.seek(0, stream=vs, backward=True)
        next(iter(c.decode(vs)))
        line = f"{path.name}: {vs.codec_context.codec.name} {n} frames"
    with av.open(str(path)) as c:
        for a in c.streams.audio:
            line += f"; {a.codec_context.codec.name} {sum(1 for _ in c.decode(a))} frames"
    print(line)
buf = io.BytesIO()
with av.open(buf, "w", format="mp4") as c:
    s = c.add_stream("libx264", rate=24)
    s.width, s.height, s.pix_fmt = 160, 96, "yuv420p"
    for i in range(30):
        c.mux(s.encode(av.VideoFrame.from_image(Image.new("RGB", (160, 96), (i * 8, 0, 0)))))
    c.mux(s.encode(None))
with av.open(io.BytesIO(buf.getvalue())) as c:
    print("libx264 round trip:", sum(1 for _ in c.decode(video=0)), "frames")
"""

# Each use of a replaced feature, and the stand-in whose message it must stop with.
MISUSE = {
    "encode VP9 (libvpx)": (
        "libvpx",
        "with av.open(io.BytesIO(), 'w', format='webm') as c:\n"
        "    s = c.add_stream('libvpx-vp9', rate=24); s.width = s.height = 64\n"
        "    c.mux(s.encode(av.VideoFrame.from_image(Image.new('RGB', (64, 64)))))",
    ),
    "decode with libvpx-vp9": (
        "libvpx",
        "with av.open(clips + '/vp9.webm') as c:\n"
        "    cc = av.codec.CodecContext.create('libvpx-vp9', 'r')\n"
        "    for p in c.demux(video=0): cc.decode(p)",
    ),
    "a filter graph": ("libavfilter", "import av.filter; av.filter.Graph()"),
    "an audio resampler": (
        "libavfilter",
        "r = av.AudioResampler(format='s16', layout='mono', rate=8000)\n"
        "f = av.AudioFrame(format='flt', layout='stereo', samples=1024); f.sample_rate = 48000\n"
        "for p in f.planes: p.update(bytes(p.buffer_size))\n"
        "r.resample(f)",
    ),
    "encode Opus": (
        "libopus",
        "with av.open(io.BytesIO(), 'w', format='webm') as c:\n"
        "    s = c.add_stream('libopus', rate=48000)\n"
        "    f = av.AudioFrame(format='s16', layout='stereo', samples=960); f.sample_rate = 48000\n"
        "    for p in f.planes: p.update(bytes(p.buffer_size))\n"
        "    c.mux(s.encode(f))",
    ),
    "encode MP3": (
        "LAME",
        "with av.open(io.BytesIO(), 'w', format='mp3') as c:\n"
        "    s = c.add_stream('libmp3lame', rate=44100)\n"
        "    f = av.AudioFrame(format='s16p', layout='stereo', samples=1152)\n"
        "    f.sample_rate = 44100\n"
        "    for p in f.planes: p.update(bytes(p.buffer_size))\n"
        "    c.mux(s.encode(f))",
    ),
    "encode WebP with FFmpeg": (
        "libwebp",
        "with av.open(io.BytesIO(), 'w', format='webp') as c:\n"
        "    s = c.add_stream('libwebp', rate=1); s.width = s.height = 64\n"
        "    c.mux(s.encode(av.VideoFrame.from_image(Image.new('RGB', (64, 64)))))",
    ),
    "decode with Quick Sync": (
        "oneVPL",
        "with av.open(clips + '/h264.mp4') as c:\n"
        "    cc = av.codec.CodecContext.create('h264_qsv', 'r')\n"
        "    for p in c.demux(video=0): cc.decode(p)",
    ),
    "the ALSA device": ("libasound", "av.open('default', format='alsa')"),
    "the x11grab device": ("libxcb", "av.open(':0', format='x11grab')"),
    "an https:// input": ("GnuTLS", "av.open('https://localhost:1/a.mp4', timeout=2)"),
    "Pillow's screen grab": (
        "Pillow's X11",
        "from PIL import ImageGrab; ImageGrab.grab(xdisplay=':0')",
    ),
}


def run(code: str, args: list[str], pythonpath: Path | None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=300
    )


def bundle_site(internal: Path, dest: Path) -> None:
    """The venv's pure-Python PyAV and Pillow with the bundle's compiled modules and libraries."""
    for package in ("av", "PIL"):
        spec = importlib.util.find_spec(package)
        assert spec and spec.submodule_search_locations
        src = Path(next(iter(spec.submodule_search_locations)))
        shutil.copytree(src, dest / package, ignore=shutil.ignore_patterns("*.so", "__pycache__"))
        for so in (internal / package).rglob("*.so"):
            target = dest / so.relative_to(internal)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(so, target)
    for libs in ("av.libs", "pillow.libs"):
        shutil.copytree(internal / libs, dest / libs, symlinks=True)


def main() -> None:
    internal = Path(sys.argv[1]).resolve()
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        clips, site = tmp / "clips", tmp / "site"
        clips.mkdir()
        made = run(MAKE, [str(clips)], None)
        if made.returncode != 0:
            raise SystemExit(f"could not make the test clips:\n{made.stderr[-2000:]}")
        bundle_site(internal, site)
        untouched = run(DECODE, [str(clips)], None)
        bundled = run(DECODE, [str(clips)], site)
        for name, result in (("untouched", untouched), ("bundle", bundled)):
            if result.returncode != 0:
                raise SystemExit(f"decoding with the {name} libraries failed:\n{result.stderr}")
        if untouched.stdout != bundled.stdout:
            diff = difflib.unified_diff(
                untouched.stdout.splitlines(), bundled.stdout.splitlines(), "untouched", "bundle"
            )
            failures.append("the bundle decodes differently:\n" + "\n".join(diff))
        for line in bundled.stdout.splitlines():
            if not line.startswith(("codecs", "formats")):
                print(f"  {line}")
        prelude = f"import io, av\nfrom PIL import Image\nclips = {str(clips)!r}\n"
        for use, (name, code) in MISUSE.items():
            result = run(prelude + code, [], site)
            message = next((ln for ln in result.stderr.splitlines() if "leodesk:" in ln), "")
            if (
                result.returncode >= 0
                or name not in message
                or "not part of this bundle" not in message
            ):
                failures.append(
                    f"{use}: exit {result.returncode}, {message or result.stderr[-300:]}"
                )
            else:
                print(f"  {use}: stops ({message.split('leodesk: ', 1)[1]})")
    if failures:
        raise SystemExit("stand-in check FAILED:\n" + "\n".join(failures))
    print("stand-in check: the bundle decodes as the untouched libraries; every stand-in speaks")


if __name__ == "__main__":
    main()
