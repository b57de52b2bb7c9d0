"""SHA-256 without OpenSSL: the same digests as hashlib, and hashlib is not loaded for them."""

from __future__ import annotations

import hashlib
import subprocess
import sys

from leodesk.core.digest import sha256_hex


def test_the_same_digests_as_hashlib() -> None:
    for data in (b"", b"abc", "café ☕ 猫".encode(), b"\0" * 1000, bytes(range(256)) * 513):
        assert sha256_hex(data) == hashlib.sha256(data).hexdigest()
    # a known answer (FIPS 180-2): not only agreement with whatever hashlib is here
    assert sha256_hex(b"abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def test_a_profiles_socket_name_and_thumbnail_keys_load_no_openssl(tmp_path: object) -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from leodesk.core import instance, thumbs\n"
        f"name = instance.server_name(Path({str(tmp_path)!r}))\n"
        "key = thumbs.key_for_url('https://cdn.example/a.png')\n"
        "assert name.startswith('leodesk-') and len(key) == 64, (name, key)\n"
        "print(sorted(m for m in ('hashlib', '_hashlib') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
