"""BagIt bags (RFC 8493) inside a zip: a writer, and a checker that never extracts.

A bag is one top folder holding `bagit.txt`, `bag-info.txt`, `manifest-sha256.txt` (the
SHA-256 of every payload file, written `<hex>  <path>` so `sha256sum -c` reads it too),
`tagmanifest-sha256.txt` (the same for the tag files) and the payload under `data/`. The
writer takes a signer for the exact bytes of the manifest and stores the signature as the
tag file `manifest-sha256.txt.sig` (base64, one line), covered by the tag manifest.

The checker reads the zip as untrusted input: names that are absolute, climb out (`..`),
use backslashes or control characters, repeat (also when only case differs) or are links;
more than one top folder; too many entries, too many bytes, an entry that compresses
better than real files do, or entries that overlap (zip bombs) are each a `BagProblem`,
found from the central directory before any entry is read. Entries are then read in
chunks, so memory stays small whatever the sizes.
"""
from __future__ import annotations

import base64
import hashlib
import re
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

VERSION_LINE = "BagIt-Version: 1.0"
ENCODING_LINE = "Tag-File-Character-Encoding: UTF-8"
MANIFEST = "manifest-sha256.txt"
TAG_MANIFEST = "tagmanifest-sha256.txt"
SIGNATURE = MANIFEST + ".sig"
REQUIRED_TAGS = ("bagit.txt", "bag-info.txt", MANIFEST, SIGNATURE)
CHUNK = 1024 * 1024
MAX_TAG_BYTES = 64 * 1024 * 1024

_SUM_LINE = re.compile(r"([0-9a-fA-F]{64})[ \t]+(.+)")
_INFO_LINE = re.compile(r"([^:\s][^:]*):[ \t]*(.*)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class BagProblem(Exception):
    """What is wrong with a bag, as one sentence."""


@dataclass(frozen=True)
class Limits:
    """What a zip may hold before it is refused unread."""

    max_entries: int = 100_000
    max_bytes: int = 32 * 1024 ** 3  # uncompressed, all entries together
    max_ratio: int = 200  # uncompressed ÷ compressed, for an entry past 1 MiB


def _encoded(path: str) -> str:
    return path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _decoded(path: str) -> str:
    return path.replace("%0A", "\n").replace("%0a", "\n").replace("%0D", "\r") \
        .replace("%0d", "\r").replace("%25", "%")


def path_problem(path: str) -> str | None:
    """Why `path` (a name inside the bag or zip) is unsafe, or None."""
    if not path:
        return "is empty"
    if path.startswith("/") or re.match(r"[A-Za-z]:", path):
        return "is absolute"
    if "\\" in path:
        return "holds a backslash"
    if _CONTROL.search(path):
        return "holds a control character"
    parts = path.rstrip("/").split("/")
    if any(part in ("", ".", "..") for part in parts):
        return "has an empty, '.' or '..' part"
    return None


# ---- writing ------------------------------------------------------------------------

class BagWriter:
    """One bag written into `archive` under the folder `top`; payload paths are relative
    to `data/`. Text is deflated; files given as streams may be stored as they are
    (photos and videos do not compress)."""

    def __init__(self, archive: zipfile.ZipFile, top: str, when: datetime):
        if path_problem(top) or "/" in top:
            raise ValueError(f"not a bag folder name: {top!r}")
        self.archive, self.top = archive, top
        self.stamp = when.timetuple()[:6]
        self.payload: dict[str, str] = {}
        self.octets = 0

    def _info(self, name: str, compress: bool) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(f"{self.top}/{name}", self.stamp)
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        return info

    def _payload_name(self, path: str) -> str:
        name = f"data/{path}"
        if problem := path_problem(path):
            raise ValueError(f"payload path {path!r} {problem}")
        if name in self.payload:
            raise ValueError(f"payload path {path!r} written twice")
        return name

    def add(self, path: str, data: bytes | str) -> None:
        """A payload file from bytes (text is written as UTF-8)."""
        data = data.encode() if isinstance(data, str) else data
        name = self._payload_name(path)
        self.archive.writestr(self._info(name, True), data)
        self.payload[name] = hashlib.sha256(data).hexdigest()
        self.octets += len(data)

    def add_stream(self, path: str, source: BinaryIO, size: int) -> None:
        """A payload file copied from `source` in chunks, stored uncompressed; `size` is
        what it should hold (it decides whether the entry needs ZIP64)."""
        name = self._payload_name(path)
        digest, copied = hashlib.sha256(), 0
        with self.archive.open(self._info(name, False), "w",
                               force_zip64=size >= zipfile.ZIP64_LIMIT) as out:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
                copied += len(chunk)
        self.payload[name] = digest.hexdigest()
        self.octets += copied

    def _tag(self, name: str, text: str, sums: dict[str, str]) -> None:
        data = text.encode()
        self.archive.writestr(self._info(name, True), data)
        sums[name] = hashlib.sha256(data).hexdigest()

    def finish(self, info: Iterable[tuple[str, str]], sign: Callable[[bytes], bytes]) -> None:
        """Write the manifest, its signature, bagit.txt, bag-info.txt (`info`, then
        Payload-Oxum) and the tag manifest."""
        manifest = manifest_text(self.payload)
        tags: dict[str, str] = {}
        self._tag("bagit.txt", f"{VERSION_LINE}\n{ENCODING_LINE}\n", tags)
        lines = [*info, ("Payload-Oxum", f"{self.octets}.{len(self.payload)}")]
        for label, value in lines:
            if _CONTROL.search(label + value) or not _INFO_LINE.fullmatch(f"{label}: {value}"):
                raise ValueError(f"not a bag-info line: {label!r}: {value!r}")
        self._tag("bag-info.txt", "".join(f"{label}: {value}\n" for label, value in lines), tags)
        self._tag(MANIFEST, manifest, tags)
        signature = base64.b64encode(sign(manifest.encode())).decode()
        self._tag(SIGNATURE, signature + "\n", tags)
        self.archive.writestr(self._info(TAG_MANIFEST, True), manifest_text(tags))


def manifest_text(sums: dict[str, str]) -> str:
    return "".join(f"{sums[path]}  {_encoded(path)}\n" for path in sorted(sums))


# ---- checking -----------------------------------------------------------------------

class Bag:
    """A bag opened from a zip: its names checked, bagit.txt, bag-info.txt and the payload
    manifest read. Check the rest with `check_payload` and `check_tags`."""

    def __init__(self, archive: zipfile.ZipFile, top: str, files: dict[str, zipfile.ZipInfo]):
        self.archive, self.top, self.files = archive, top, files
        _check_bagit_txt(self.read_tag("bagit.txt", "no bagit.txt in the bag"))
        self.info = (_parsed_info(self.read_tag("bag-info.txt"))
                     if "bag-info.txt" in files else {})
        self.manifest_bytes = self.read_tag(MANIFEST, f"{MANIFEST} is missing")
        self.manifest = _parsed_sums(self.manifest_bytes, MANIFEST, payload=True)

    def read_tag(self, name: str, missing: str | None = None) -> bytes:
        if name not in self.files:
            raise BagProblem(missing or f"{name} is missing")
        if self.files[name].file_size > MAX_TAG_BYTES:
            raise BagProblem(f"{name} is larger than a tag file may be")
        return b"".join(self._chunks(name))

    def _chunks(self, name: str):
        try:
            with self.archive.open(self.files[name]) as entry:
                while chunk := entry.read(CHUNK):
                    yield chunk
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError,
                NotImplementedError) as exc:
            raise BagProblem(f"{name} cannot be read from the zip ({exc})") from None

    def _sha256(self, name: str) -> str:
        digest = hashlib.sha256()
        for chunk in self._chunks(name):
            digest.update(chunk)
        return digest.hexdigest()

    def check_payload(self) -> None:
        """Every payload file in the manifest and in the zip, with its checksum; and no
        other file outside data/ but tag files."""
        present = {name for name in self.files if name.startswith("data/")}
        if removed := sorted(set(self.manifest) - present):
            raise BagProblem(f"payload file {removed[0]} is in {MANIFEST} but not in the "
                             "package: it was removed")
        if added := sorted(present - set(self.manifest)):
            raise BagProblem(f"payload file {added[0]} is not in {MANIFEST}: it was added")
        for name, expected in self.manifest.items():
            if self._sha256(name) != expected:
                raise BagProblem(f"payload file {name} does not match its checksum in "
                                 f"{MANIFEST}: it was changed")

    def check_tags(self) -> None:
        """The tag manifest covers every tag file, each matches it, and Payload-Oxum
        matches the payload."""
        sums = _parsed_sums(self.read_tag(TAG_MANIFEST), TAG_MANIFEST, payload=False)
        outside = sorted(n for n in self.files if not n.startswith("data/") and
                         n != TAG_MANIFEST)
        for name in REQUIRED_TAGS + tuple(outside):
            if name not in sums:
                raise BagProblem(f"{TAG_MANIFEST} does not cover {name}")
        for name, expected in sums.items():
            if name not in self.files:
                raise BagProblem(f"tag file {name} is in {TAG_MANIFEST} but not in the "
                                 "package")
            if self._sha256(name) != expected:
                raise BagProblem(f"tag file {name} does not match its checksum in "
                                 f"{TAG_MANIFEST}: it was changed")
        octets = sum(self.files[name].file_size for name in self.manifest)
        oxum = f"{octets}.{len(self.manifest)}"
        stated = self.info.get("Payload-Oxum")
        if stated is not None and stated != oxum:
            raise BagProblem(f"Payload-Oxum in bag-info.txt says {stated} but the payload "
                             f"is {oxum}")


def open_bag(source: BinaryIO, limits: Limits = Limits()) -> Bag:
    """The bag in the zip `source` (a seekable binary file); BagProblem for anything that
    is not one safe zip of one bag."""
    size = source.seek(0, 2)
    source.seek(0)
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise BagProblem("the file is not a zip archive") from None
    entries = archive.infolist()
    _check_sizes(entries, size, limits)
    top, files = _checked_names(entries)
    return Bag(archive, top, files)


def _check_sizes(entries: list[zipfile.ZipInfo], size: int, limits: Limits) -> None:
    if len(entries) > limits.max_entries:
        raise BagProblem(f"the zip holds {len(entries)} entries, more than the "
                         f"{limits.max_entries} a package may hold")
    if sum(e.file_size for e in entries) > limits.max_bytes:
        raise BagProblem(f"the zip would unpack to more than {limits.max_bytes} bytes")
    spans = sorted((e.header_offset, e.header_offset + 30 + len(e.orig_filename.encode())
                    + e.compress_size) for e in entries)  # at least what each one covers
    if any(start < end for (_, end), (start, _) in zip(spans, spans[1:], strict=False)) or (
            spans and spans[-1][1] > size):
        raise BagProblem("the zip's entries overlap or run past its end (a zip bomb)")
    for entry in entries:
        if entry.file_size > limits.max_ratio * entry.compress_size + CHUNK:
            raise BagProblem(f"entry {entry.filename!r} unpacks to {entry.file_size} bytes "
                             f"from {entry.compress_size}: more than any real file (a zip "
                             "bomb)")


def _checked_names(entries: list[zipfile.ZipInfo]) -> tuple[str, dict[str, zipfile.ZipInfo]]:
    """The bag's folder and its files by path inside it (folder entries left out)."""
    seen: set[str] = set()
    tops: set[str] = set()
    files: dict[str, zipfile.ZipInfo] = {}
    for entry in entries:
        name = entry.filename
        if problem := path_problem(name):
            raise BagProblem(f"entry {name!r} {problem}")
        if name.rstrip("/").casefold() in seen:
            raise BagProblem(f"entry {name!r} is in the zip twice (perhaps in another case)")
        seen.add(name.rstrip("/").casefold())
        if stat.S_ISLNK(entry.external_attr >> 16):
            raise BagProblem(f"entry {name!r} is a symbolic link")
        top, _, inside = name.partition("/")
        tops.add(top)
        if entry.is_dir():
            continue
        if not inside:
            raise BagProblem(f"entry {name!r} is outside the bag's folder")
        files[inside] = entry
    if len(tops) != 1:
        raise BagProblem("the zip does not hold exactly one bag folder "
                         f"({len(tops)} top-level entries)")
    return tops.pop(), files


def _lines(data: bytes, name: str) -> list[str]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise BagProblem(f"{name} is not UTF-8") from None
    if text.startswith("\ufeff"):
        raise BagProblem(f"{name} starts with a byte-order mark")
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _check_bagit_txt(data: bytes) -> None:
    lines = [line for line in _lines(data, "bagit.txt") if line]
    if (len(lines) != 2 or not re.fullmatch(r"BagIt-Version: (1\.0|0\.97)", lines[0])
            or lines[1].lower() != ENCODING_LINE.lower()):
        raise BagProblem(f"bagit.txt is not '{VERSION_LINE}' and '{ENCODING_LINE}'")


def _parsed_info(data: bytes) -> dict[str, str]:
    info: dict[str, str] = {}
    label = None
    for number, line in enumerate(_lines(data, "bag-info.txt"), 1):
        if not line:
            continue
        if line[0] in " \t" and label is not None:
            info[label] += " " + line.strip()
            continue
        match = _INFO_LINE.fullmatch(line)
        if match is None:
            raise BagProblem(f"line {number} of bag-info.txt is not 'Label: value'")
        label = match.group(1)
        info[label] = match.group(2)
    return info


def _parsed_sums(data: bytes, name: str, payload: bool) -> dict[str, str]:
    sums: dict[str, str] = {}
    for number, line in enumerate(_lines(data, name), 1):
        if not line:
            continue
        match = _SUM_LINE.fullmatch(line)
        path = _decoded(match.group(2)) if match else ""
        problem = "is not '<sha256> <path>'" if match is None else None
        if problem is None and (where := path_problem(path)):
            problem = f"names a path that {where}"
        elif problem is None and path.startswith("data/") != payload:
            problem = ("names a file outside data/" if payload else
                       "names a payload file")
        elif problem is None and path in sums:
            problem = f"names {path} twice"
        elif problem is None and path == TAG_MANIFEST:
            problem = "names the tag manifest itself"
        if problem:
            raise BagProblem(f"line {number} of {name} {problem}")
        sums[path] = match.group(1).lower()
    return sums
