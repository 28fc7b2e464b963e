"""BagIt bags in a zip (services/audits/bagit.py): what the writer makes validates with the
Library of Congress `bagit` package, and the checker names each kind of damage and each
hostile zip as a problem instead of raising or reading past its limits."""
from __future__ import annotations

import base64
import hashlib
import io
import stat
import zipfile
from datetime import datetime

import bagit as loc_bagit
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fieldapp.services.audits.bagit import (
    MANIFEST,
    SIGNATURE,
    TAG_MANIFEST,
    BagProblem,
    BagWriter,
    Limits,
    open_bag,
)

TOP = "fieldapp-test-1"
KEY = Ed25519PrivateKey.generate()


def written(files: dict[str, bytes] | None = None, streamed: dict[str, bytes] | None = None
            ) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        bag = BagWriter(archive, TOP, datetime(2026, 11, 30, 12, 0))
        for path, data in (files or {"a.json": b'{"x": 1}\n', "sub/b.txt": "乙\n".encode()}
                           ).items():
            bag.add(path, data)
        for path, data in (streamed or {}).items():
            bag.add_stream(path, io.BytesIO(data), len(data))
        bag.finish([("Source-Organization", "fieldapp"), ("Bagging-Date", "2026-11-30")],
                   KEY.sign)
    return out.getvalue()


def entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def rezipped(files: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def problem(data: bytes, limits: Limits | None = None) -> str | None:
    try:
        bag = open_bag(io.BytesIO(data), limits or Limits())
        bag.check_payload()
        bag.check_tags()
    except BagProblem as exc:
        return str(exc)
    return None


def test_a_written_bag_checks_and_validates_with_the_library_of_congress_bagit(tmp_path):
    data = written(streamed={"media/1.jpeg": bytes(range(256)) * 5000})
    assert problem(data) is None
    files = entries(data)
    assert files[f"{TOP}/bagit.txt"] == b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
    info = files[f"{TOP}/bag-info.txt"].decode()
    assert "Payload-Oxum: 1280013.3\n" in info and "Bagging-Date: 2026-11-30\n" in info
    manifest = files[f"{TOP}/{MANIFEST}"]
    signature = base64.b64decode(files[f"{TOP}/{SIGNATURE}"])
    KEY.public_key().verify(signature, manifest)  # raises if it does not hold
    tags = files[f"{TOP}/{TAG_MANIFEST}"].decode()
    for name in ("bagit.txt", "bag-info.txt", MANIFEST, SIGNATURE):
        assert f"  {name}\n" in tags
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(tmp_path)
    bag = loc_bagit.Bag(str(tmp_path / TOP))
    bag.validate()
    assert bag.is_valid() and sorted(bag.payload_files()) == [
        "data/a.json", "data/media/1.jpeg", "data/sub/b.txt"]


def test_the_writer_refuses_unsafe_paths_and_a_path_twice():
    with zipfile.ZipFile(io.BytesIO(), "w") as archive:
        bag = BagWriter(archive, TOP, datetime(2026, 1, 1))
        for path in ("../x", "/etc/x", "a\\b", "a/./b", "a\nb", ""):
            with pytest.raises(ValueError):
                bag.add(path, b"x")
        bag.add("x", b"1")
        with pytest.raises(ValueError):
            bag.add("x", b"2")


def _changed(data: bytes, name: str, new: bytes | None) -> bytes:
    files = entries(data)
    if new is None:
        del files[f"{TOP}/{name}"]
    else:
        files[f"{TOP}/{name}"] = new
    return rezipped(files)


@pytest.mark.parametrize(("name", "new", "expected"), [
    ("data/a.json", b'{"x": 2}\n', "payload file data/a.json does not match its checksum"),
    ("data/extra.txt", b"more", "payload file data/extra.txt is not in manifest-sha256.txt"),
    ("data/sub/b.txt", None, "payload file data/sub/b.txt is in manifest-sha256.txt but not"),
    ("bag-info.txt", b"Source-Organization: someone else\n",
     "tag file bag-info.txt does not match its checksum"),
    ("bag-info.txt", b"not a label line\n", "line 1 of bag-info.txt is not 'Label: value'"),
    ("bagit.txt", b"BagIt-Version: 2.0\nTag-File-Character-Encoding: UTF-8\n",
     "bagit.txt is not 'BagIt-Version: 1.0'"),
    ("bagit.txt", None, "no bagit.txt in the bag"),
    (MANIFEST, None, "manifest-sha256.txt is missing"),
    (TAG_MANIFEST, None, "tagmanifest-sha256.txt is missing"),
    ("notes.txt", b"unlisted", "tagmanifest-sha256.txt does not cover notes.txt"),
])
def test_each_damage_is_named(name, new, expected):
    found = problem(_changed(written(), name, new))
    assert found is not None and found.startswith(expected), found


@pytest.mark.parametrize(("line", "expected"), [
    ("nothex  data/a.json", "is not '<sha256> <path>'"),
    ("0" * 64 + "  data/../../etc/passwd", "names a path that has an empty, '.' or '..' part"),
    ("0" * 64 + "  /etc/passwd", "names a path that is absolute"),
    ("0" * 64 + "  bag-info.txt", "names a file outside data/"),
])
def test_a_bad_manifest_line_is_named(line, expected):
    data = written()
    manifest = entries(data)[f"{TOP}/{MANIFEST}"].decode()
    found = problem(_changed(data, MANIFEST, (manifest + line + "\n").encode()))
    assert found == f"line 3 of {MANIFEST} {expected}"


def test_a_manifest_naming_a_file_twice_is_bad():
    data = written()
    first = entries(data)[f"{TOP}/{MANIFEST}"].decode().splitlines()[0]
    found = problem(_changed(data, MANIFEST, (first + "\n" + first + "\n").encode()))
    assert found == f"line 2 of {MANIFEST} names data/a.json twice"


def test_payload_oxum_must_match():
    data = written()
    files = entries(data)
    info = files[f"{TOP}/bag-info.txt"].replace(b"Payload-Oxum: 13.2", b"Payload-Oxum: 15.2")
    files[f"{TOP}/bag-info.txt"] = info
    tags = files[f"{TOP}/{TAG_MANIFEST}"].decode().splitlines()
    tags = [(f"{hashlib.sha256(info).hexdigest()}  bag-info.txt" if line.endswith(
        "bag-info.txt") else line) for line in tags]
    files[f"{TOP}/{TAG_MANIFEST}"] = ("\n".join(tags) + "\n").encode()
    assert problem(rezipped(files)) == ("Payload-Oxum in bag-info.txt says 15.2 but the "
                                        "payload is 13.2")


@pytest.mark.parametrize(("names", "expected"), [
    (["../evil.txt"], "entry '../evil.txt' has an empty, '.' or '..' part"),
    (["/etc/evil"], "entry '/etc/evil' is absolute"),
    ([f"{TOP}/data/x/../../../y"], "has an empty, '.' or '..' part"),
    ([f"{TOP}\\data\\x"], "holds a backslash"),
    (["C:/x"], "entry 'C:/x' is absolute"),
    ([f"{TOP}/data/A.txt", f"{TOP}/data/a.txt"], "is in the zip twice"),
    (["other/bagit.txt"], "the zip does not hold exactly one bag folder"),
    (["loose.txt"], "entry 'loose.txt' is outside the bag's folder"),
])
def test_hostile_names_are_refused_unread(names, expected):
    files = entries(written())
    files.update({name: b"x" for name in names})
    found = problem(rezipped(files))
    assert found is not None and expected in found, found


def test_the_same_name_twice_is_refused():
    out = io.BytesIO(written())
    with pytest.warns(UserWarning), zipfile.ZipFile(out, "a") as archive:
        archive.writestr(f"{TOP}/data/a.json", b'{"x": 3}\n')
    assert "is in the zip twice" in problem(out.getvalue())


def test_a_symbolic_link_is_refused():
    out = io.BytesIO(written())
    with zipfile.ZipFile(out, "a") as archive:
        link = zipfile.ZipInfo(f"{TOP}/data/link")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    assert problem(out.getvalue()) == f"entry '{TOP}/data/link' is a symbolic link"


def test_zip_bombs_and_oversized_zips_are_refused_before_reading():
    bomb = written({"zeros.bin": bytes(50 * 1024 * 1024)})
    assert "more than any real file (a zip bomb)" in problem(bomb)
    plain = written()
    assert problem(plain, Limits(max_entries=6)) == ("the zip holds 7 entries, more than the "
                                                     "6 a package may hold")
    assert problem(plain, Limits(max_bytes=100)) == ("the zip would unpack to more than 100 "
                                                     "bytes")


def test_overlapping_entries_are_refused():
    """Two central-directory entries pointing at the same local data (how non-recursive
    zip bombs multiply their size)."""
    data = bytearray(rezipped({f"{TOP}/bagit.txt": b"x" * 4000, f"{TOP}/b": b"y" * 4000},
                              zipfile.ZIP_STORED))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        first, second = archive.infolist()
    # point the second central-directory record at the first entry's local header
    record = data.rfind(b"PK\x01\x02")
    offset = second.header_offset.to_bytes(4, "little")
    at = data.index(offset, record + 42)
    data[at:at + 4] = first.header_offset.to_bytes(4, "little")
    assert problem(bytes(data)) == ("the zip's entries overlap or run past its end (a zip "
                                    "bomb)")


@pytest.mark.parametrize("data", [b"", b"not a zip at all", b"PK\x03\x04" + b"\0" * 40])
def test_not_a_zip(data):
    assert problem(data) == "the file is not a zip archive"


def test_a_corrupt_entry_is_a_problem_not_an_exception():
    data = bytearray(written({"a.json": b"A" * 20000}))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo(f"{TOP}/data/a.json")
    at = info.header_offset + 30 + len(info.filename) + 2  # inside the deflated stream
    data[at:at + 4] = b"\xff\xff\xff\xff"
    assert problem(bytes(data)).startswith("data/a.json cannot be read from the zip")
