from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from leodesk.core import log as leolog


def test_registered_secret_never_reaches_the_log_file(tmp_path: Path) -> None:
    secret = "3f9a1c52-7777-4d2e-9abc-secretsecret"
    leolog.register_secret(secret)
    log_file = tmp_path / "logs" / "leodesk.log"
    leolog.setup_logging(log_file, level=logging.DEBUG)
    logger = logging.getLogger("leodesk.test")
    logger.info("calling with key %s", secret)
    logger.warning("header Authorization: Bearer %s", "unregistered-token-123")
    try:
        raise RuntimeError(f"request failed for {secret}")
    except RuntimeError:
        logger.exception("boom")
    for h in logging.getLogger().handlers:
        h.flush()
    text = log_file.read_text()
    assert secret not in text
    assert "unregistered-token-123" not in text
    assert text.count(leolog.REDACTED) >= 3
    assert "RuntimeError" in text  # the traceback itself survives


def test_redact_leaves_other_text_alone() -> None:
    assert leolog.redact("nothing secret here") == "nothing secret here"


def test_a_log_file_on_a_full_disk_is_said_once_and_never_floods_stderr(
    capfd: Any, tmp_path: Path
) -> None:
    """/dev/full answers every write with ENOSPC, as a full disk does."""
    leolog.setup_logging(Path("/dev/full"), level=logging.INFO, stderr_level=logging.CRITICAL)
    logger = logging.getLogger("leodesk.test")
    try:
        for n in range(200):
            logger.info("line %d", n)
        err = capfd.readouterr().err
        assert "Logging error" not in err and "Traceback" not in err
        assert err.count("a log line could not be written") == 1
        assert "No space left on device" in err
        # a handler that can write again says nothing more
        leolog.setup_logging(tmp_path / "log" / "leodesk.log", level=logging.INFO)
        logger.info("fine again")
        assert capfd.readouterr().err == ""
    finally:
        leolog.setup_logging(None)


def test_the_log_file_moves_aside_when_full_and_keeps_five(tmp_path: Path) -> None:
    log_file = tmp_path / "leodesk.log"
    handler = leolog.RotatingFile(log_file, max_bytes=1000, backups=5)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("leodesk.test.rotate")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        for n in range(200):  # 200 lines of 100 bytes: 20 files' worth
            logger.warning("line %03d %s", n, "x" * 90)
    finally:
        logger.removeHandler(handler)
        handler.close()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["leodesk.log"] + [f"leodesk.log.{n}" for n in range(1, 6)]
    for path in tmp_path.iterdir():
        assert 0 < path.stat().st_size <= 1000
    # the newest lines in the file, the ones before them in .1, and so on; the oldest gone
    assert log_file.read_text().splitlines()[-1].startswith("line 199 ")
    newest_of_1 = (tmp_path / "leodesk.log.1").read_text().splitlines()[-1]
    oldest_here = log_file.read_text().splitlines()[0]
    assert int(newest_of_1.split()[1]) + 1 == int(oldest_here.split()[1])
    assert "line 000 " not in "".join(p.read_text() for p in tmp_path.iterdir())
