"""The configuration loader is given hostile YAML: every failure is one located line, fast and small, and no
file pmokit was not meant to read is read or repeated.

Each document here is a classic of its kind (the "billion laughs" alias bomb, a self-referring anchor, nesting
beyond any parser's stack, a device as an include, an include of a system file) run through
`pmokit config validate` in a process of its own, with its memory capped and a time limit.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from config import validate
from config.loader import load_settings
from config.problems import ConfigError
from tests.test_config_validate import GOOD

PMOKIT = Path(sys.executable).parent / "pmokit"
LAUGHS = "".join(f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['lol'] * 9)}]\n"
                 for prev, name in zip(["", *"abcdefgh"], "abcdefghi", strict=True))


def _validate(config: Path, env: dict[str, str] | None = None, memory: int = 1 << 30) -> tuple[int, str, float]:
    """``pmokit config validate`` on ``config`` with ``memory`` bytes at most and 20 s: exit code, output, time."""
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    started = time.monotonic()
    done = subprocess.run([str(PMOKIT), "--config", str(config), "config", "validate"], capture_output=True,
                          text=True, timeout=20, preexec_fn=cap, env=os.environ | (env or {}), check=False)
    return done.returncode, done.stdout + done.stderr, time.monotonic() - started


def _one_located_line(output: str, file: str) -> str:
    lines = [line for line in output.splitlines()
             if line.split(":", 1)[0].endswith(file) and " error(s), " not in line]
    assert "Traceback" not in output, output[-2000:]
    assert len(lines) == 1, output[-2000:]
    return lines[0]


@pytest.mark.parametrize("name,text,expected", [
    ("laughs.yaml", LAUGHS, "expands to over 100,000 values"),
    ("recursive.yaml", "x: &a [*a]\n", "an anchor is used inside itself"),
    ("merges.yaml", "a0: &a0 {k: 1}\n" + "".join(f"a{i}: &a{i} {{<<: [*a{i - 1}, *a{i - 1}]}}\n"
                                                 for i in range(1, 40)), "expands to over 100,000 values"),
    ("deep.yaml", "a: " + "[" * 20_000 + "]" * 20_000 + "\n", "nest over 40 levels deep"),
])
def test_a_bomb_is_one_located_line_in_a_second(tmp_path, name, text, expected):
    config = tmp_path / name
    config.write_text(text, encoding="utf-8")
    code, output, took = _validate(config)
    assert code != 0
    line = _one_located_line(output, name)
    assert expected in line and line.split(":")[1].isdigit(), line
    assert took < 10, f"{took:.1f} s"


def test_an_include_outside_the_configuration_is_refused_and_its_content_never_shown(tmp_path):
    secret_file = tmp_path / "elsewhere" / "passwords"
    secret_file.parent.mkdir()
    secret_file.write_text("root:s3cr3t-hash:20228:0:99999:7:::\nadmin:an0ther:1::::\n", encoding="utf-8")
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    (config_dir / "pmokit.yaml").write_text(f'include: ["{secret_file}", "../elsewhere/passwords"]\n',
                                            encoding="utf-8")
    code, output, _ = _validate(config_dir / "pmokit.yaml")
    assert code != 0
    assert "s3cr3t" not in output and "an0ther" not in output
    assert output.count("is outside the configuration's directory") == 2, output
    # With its directory allowed, the file is read: still, none of its lines is repeated.
    code, output, _ = _validate(config_dir / "pmokit.yaml", {"PMOKIT_CONFIG_ALLOW": str(secret_file.parent)})
    assert code != 0
    assert "s3cr3t" not in output and "an0ther" not in output and "root:" not in output, output
    assert "unknown section '<key>'" in output


def test_a_device_or_a_huge_file_is_not_read(tmp_path):
    (tmp_path / "zero.yaml").write_text('include: ["/dev/zero"]\n', encoding="utf-8")
    code, output, took = _validate(tmp_path / "zero.yaml", {"PMOKIT_CONFIG_ALLOW": "/dev"}, memory=512 << 20)
    assert code != 0 and "not a regular file" in _one_located_line(output, "/dev/zero") and took < 10
    big = tmp_path / "big.yaml"
    with big.open("w", encoding="utf-8") as handle:
        for index in range(700_000):
            handle.write(f"k{index}: {'x' * 50}\n")  # ~42 MB
    code, output, took = _validate(big, memory=512 << 20)
    assert code != 0 and took < 10
    assert "bytes; at most 1,048,576 are read" in _one_located_line(output, "big.yaml")


def test_values_are_not_repeated_unless_short_scalars_written_in_known_keys(write_yaml):
    text = GOOD + "language: {note: 'my-private-note-123'}\n"
    text += "secretish:\n  -----BEGIN PRIVATE KEY-----: MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n"
    result = validate([write_yaml("pmokit.yaml", text)])
    messages = "\n".join(p.format() for p in result.errors)
    assert "my-private-note-123" not in messages and "MIIEvQ" not in messages and "BEGIN" not in messages
    assert "language: a mapping is not allowed" in messages
    assert "unknown section '<key>'" in messages or "unknown section 'secretish'" in messages
    # A short value the user wrote in a known key is still quoted: that is what makes the message useful.
    wrong = validate([write_yaml("wrong.yaml", GOOD + "language: fr\n")])
    assert any("'fr' is not allowed" in p.message for p in wrong.errors)


def test_a_secret_file_outside_the_allowed_directories_is_not_read(write_yaml, tmp_path, monkeypatch):
    outside = tmp_path.parent / f"{tmp_path.name}-outside-token"
    outside.write_text("tok-outside", encoding="utf-8")
    config = write_yaml("cfg/pmokit.yaml", GOOD.replace("${PMOKIT_TEST_TOKEN}", f"${{file:{outside}}}"))
    with pytest.raises(ConfigError) as raised:
        load_settings([config])
    assert "outside the directories secrets are read from" in str(raised.value)
    assert "tok-outside" not in str(raised.value)
    monkeypatch.setenv("PMOKIT_CONFIG_ALLOW", str(outside.parent))
    settings = load_settings([config])
    assert settings.jira.auth.api_token.reveal() == "tok-outside"  # type: ignore[union-attr]


def test_a_receiver_without_a_secret_is_warned_about(write_yaml):
    unsigned = validate([write_yaml("pmokit.yaml", GOOD + "webhooks:\n  bind: 127.0.0.1:8080\n")])
    [warning] = [p for p in unsigned.warnings if p.path == ("webhooks", "secret")]
    assert "anyone who reaches the receiver" in warning.message
    assert warning.location.line == GOOD.count("\n") + 1  # the `webhooks:` line
    signed = validate([write_yaml("signed.yaml", GOOD + "webhooks:\n  secret: ${PMOKIT_HOOK:-x}\n")])
    assert not [p for p in signed.problems if p.path == ("webhooks", "secret")]
