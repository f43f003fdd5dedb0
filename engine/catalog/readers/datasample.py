"""Bounded samples of data files, shared by the data-file readers.

A data folder may hold a 40 GB CSV or a gzip bomb; every data-file reader looks at a
fixed number of bytes from the start of a file (decompressed bytes, for `.gz`), decodes
them the way exports are really encoded (UTF-8, with or without a BOM, UTF-16 from Excel,
latin-1 from older European systems) and infers value types from what it saw. What a
reader could not read, or refused to, becomes a `Problem` with a line and a column.
"""

from __future__ import annotations

import codecs
import re
import zlib
from collections import Counter
from datetime import date
from typing import BinaryIO

from attrs import define, field, frozen
from flowscan.catalog.files import CatalogFile, Unreadable
from flowscan.catalog.model import Field, Problem

#: problems shown per file; the rest are counted in one last problem
MAX_PROBLEMS_PER_FILE = 10
_CHUNK = 64 * 1024
_GZIP_MAGIC = b"\x1f\x8b"


@frozen
class Reading:
    """What one data file says about itself: its fields, facts, and where its first record is."""

    source: str
    fields: tuple[Field, ...] = ()
    facts: tuple[tuple[str, str], ...] = ()
    problems: tuple[Problem, ...] = ()
    #: line of the header or of the first record (1 for binary formats)
    line: int = 1


def listed(source: str, file: CatalogFile, *problems: Problem) -> Reading:
    """A data file whose content could not be had: still listed, with its format and size."""
    return Reading(source, facts=(("format", source), ("size_bytes", str(file.size))), problems=problems)


@frozen
class Sample:
    """The first bytes of a file, decompressed; `truncated` when more followed."""

    data: bytes
    truncated: bool
    compression: str | None = None
    #: why the sample ends early (a gzip stream cut short), if it does
    problem: str | None = None


@frozen
class Text:
    text: str
    #: as facts show it: `utf-8`, `utf-8 (BOM)`, `utf-16le (BOM)`, `latin-1`, `cp1252`
    encoding: str


@define
class ProblemLog:
    """A file's problems, at most MAX_PROBLEMS_PER_FILE of them, and a count of the rest."""

    file: CatalogFile
    problems: list[Problem] = field(factory=list)
    hidden: int = 0

    def add(self, message: str, line: int = 1, column: int = 1) -> None:
        if len(self.problems) < MAX_PROBLEMS_PER_FILE:
            self.problems.append(self.file.problem(message, line, column))
        else:
            self.hidden += 1

    def all(self) -> tuple[Problem, ...]:
        if not self.hidden:
            return tuple(self.problems)
        last = self.problems[-1]
        more = self.file.problem(f"{self.hidden} more problems like these in this file", last.line, last.column)
        return (*self.problems, more)


def is_gzip(name: str) -> bool:
    return name.lower().endswith(".gz")


def sample_bytes(file: CatalogFile, budget: int) -> Sample:
    """At most `budget` bytes of the file's content, decompressing `.gz` files up to `budget`; raises Unreadable."""
    if not is_gzip(file.name):
        data = file.head(budget + 1)
        return Sample(data[:budget], len(data) > budget)
    try:
        with open(file.path, "rb") as handle:
            if handle.read(2) != _GZIP_MAGIC:
                raise Unreadable(file.problem("not a gzip file: it does not start with the gzip magic bytes 1f 8b"))
            handle.seek(0)
            data, problem = _inflate(handle, budget)
    except OSError as error:
        raise Unreadable(file.problem(f"unreadable: {error.strerror or error}")) from None
    except zlib.error as error:
        raise Unreadable(file.problem(f"not a readable gzip file: {error}")) from None
    return Sample(data[:budget], len(data) > budget, "gzip", problem)


def _inflate(handle: BinaryIO, budget: int) -> tuple[bytes, str | None]:
    """Up to `budget` + 1 inflated bytes of a gzip stream, and why it stopped early if it did.

    zlib inflates no more than asked for (`max_length`), so a bomb costs `budget` bytes,
    not its full size; and, unlike GzipFile, what was inflated before a cut-off or corrupt
    part is kept. Concatenated members (as `cat a.gz b.gz` makes) are read in turn.
    """
    out = bytearray()
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    pending = b""
    while len(out) <= budget:
        if not pending:
            pending = handle.read(_CHUNK)
            if not pending:
                ended = inflater.eof or not out
                return bytes(out), None if ended else "the gzip stream ends early (truncated file): read what came before"
        try:
            out += inflater.decompress(pending, budget + 1 - len(out))
        except zlib.error as error:
            if not out:
                raise
            return bytes(out), f"the gzip stream is corrupt after {len(out)} bytes: {error}"
        pending = inflater.unconsumed_tail
        if inflater.eof:
            pending = inflater.unused_data + pending
            if not pending.strip(b"\0"):
                pending = handle.read(_CHUNK)
                if not pending.strip(b"\0"):
                    return bytes(out), None
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    return bytes(out), None


def decode(sample: Sample) -> Text | str:
    """The sample as text, or why it is not text (binary data)."""
    data = sample.data
    for bom, codec, shown in ((codecs.BOM_UTF8, "utf-8", "utf-8 (BOM)"),
                              (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16le (BOM)"),
                              (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16be (BOM)")):
        if data.startswith(bom):
            body = data[len(bom):]
            if codec.startswith("utf-16") and len(body) % 2:
                body = body[:-1]
            return Text(_decode_tolerating_cut(body, codec, sample.truncated), shown)
    # git's own test for binary content: a NUL byte near the start
    if b"\0" in data[:8192]:
        return "binary data (NUL bytes), not text"
    try:
        text = Text(_decode_tolerating_cut(data, "utf-8", sample.truncated), "utf-8")
    except UnicodeDecodeError:
        text = _single_byte(data)
    if _mostly_control(text.text):
        return "binary data (control characters), not text"
    return text


def _decode_tolerating_cut(data: bytes, codec: str, truncated: bool) -> str:
    """Strict decoding, except for a multi-byte character the sample's end cut in two."""
    try:
        return data.decode(codec)
    except UnicodeDecodeError as error:
        if truncated and error.start >= len(data) - 3:
            return data[:error.start].decode(codec)
        if codec != "utf-8":
            return data.decode(codec, errors="replace")
        raise


def _single_byte(data: bytes) -> Text:
    # latin-1 and cp1252 agree except on 0x80-0x9F, where cp1252 has €, „, “ ... and latin-1 control codes
    if re.search(rb"[\x80-\x9f]", data) is not None:
        try:
            return Text(data.decode("cp1252"), "cp1252")
        except UnicodeDecodeError:
            pass
    return Text(data.decode("latin-1"), "latin-1")


def _mostly_control(text: str) -> bool:
    head = text[:8192]
    if not head:
        return False
    control = sum(1 for c in head if (c < " " and c not in "\t\r\n\f") or "\x7f" <= c <= "\x9f")
    return control > max(8, len(head) // 100)


def sampled_fact(sample: Sample, budget: int) -> tuple[str, str]:
    what = "decompressed bytes" if sample.compression else "bytes"
    return ("sampled", f"first {budget} {what}" if sample.truncated else "whole file")


# --- value types -------------------------------------------------------------------

#: cells that mean "no value" in exports: SQL NULL, pandas NA, MySQL/PostgreSQL COPY `\N`, Excel #N/A
NULL_TOKENS = frozenset({"", "null", "na", "n/a", "nan", "none", "nil", "\\n", "#n/a", "<na>"})
_BOOLEANS = frozenset({"true", "false", "yes", "no", "t", "f", "y", "n"})
# leading zeros make an identifier (a ZIP code, an account number), not a number
_INTEGER = re.compile(r"[+-]?(?:0|[1-9]\d*)")
_DECIMAL = re.compile(r"[+-]?(?:\d+\.\d*|\.\d+|\d+(?=[eE]))(?:[eE][+-]?\d+)?")
# `1234,56` or `1.234,56`: a decimal comma, when the delimiter is not a comma
_DECIMAL_COMMA = re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+),\d+")
_ISO_DATE = re.compile(r"(\d{4})[-/](\d{2})[-/](\d{2})")
_DMY_DATE = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})")
_ISO_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d{1,9})?)?(?:\s?(?:Z|UTC|[+-]\d{2}(?::?\d{2})?))?")
_DMY_TIMESTAMP = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s?[AaPp][Mm])?")
# RFC 1123, as HTTP and mail logs write it: `Tue, 02 Jan 2024 10:00:00 GMT`
_RFC1123 = re.compile(r"[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} (?:GMT|UTC|[+-]\d{4})")

def scalar_type(value: str, decimal_comma: bool = False) -> str:
    """`null`, `boolean`, `integer`, `decimal`, `date`, `timestamp` or `string`: what a text cell holds."""
    text = value.strip()
    lowered = text.lower()
    if lowered in NULL_TOKENS:
        return "null"
    if lowered in _BOOLEANS:
        return "boolean"
    if _INTEGER.fullmatch(text):
        return "integer"
    if _DECIMAL.fullmatch(text) or (decimal_comma and _DECIMAL_COMMA.fullmatch(text)):
        return "decimal"
    if text[:1].isdigit() or _RFC1123.fullmatch(text):
        return _temporal(text)
    return "string"


def _temporal(text: str) -> str:
    if match := _ISO_DATE.fullmatch(text):
        return "date" if _is_date(int(match[1]), int(match[2]), int(match[3])) else "string"
    if match := _DMY_DATE.fullmatch(text):
        return "date" if _day_month_year(match) else "string"
    if match := _ISO_TIMESTAMP.fullmatch(text):
        ok = _is_date(int(match[1]), int(match[2]), int(match[3])) and _is_time(match[4], match[5], match[6])
        return "timestamp" if ok else "string"
    if match := _DMY_TIMESTAMP.fullmatch(text):
        return "timestamp" if _day_month_year(match) and _is_time(match[4], match[5], match[6]) else "string"
    if _RFC1123.fullmatch(text):
        return "timestamp"
    return "string"


def _day_month_year(match: re.Match[str]) -> bool:
    """31.12.2024 (Europe) or 12/31/2024 (US): either order makes a date."""
    first, second, year = int(match[1]), int(match[2]), int(match[3])
    return _is_date(year, second, first) or _is_date(year, first, second)


def _is_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _is_time(hour: str, minute: str, second: str | None) -> bool:
    return int(hour) <= 23 and int(minute) <= 59 and (second is None or int(second) <= 60)


@define
class TypeTally:
    """The types one column (or path) showed across a sample."""

    counts: Counter[str] = field(factory=Counter)

    def add(self, type_: str) -> None:
        self.counts[type_] += 1

    @property
    def nulls(self) -> int:
        return self.counts["null"]

    def resolved(self) -> str | None:
        """The narrowest type every non-null value fits; None when every value was null."""
        seen = {t for t in self.counts if t != "null"}
        if not seen:
            return None
        if len(seen) == 1:
            return seen.pop()
        if seen <= {"integer", "decimal"}:
            return "decimal"
        if seen <= {"date", "timestamp"}:
            return "timestamp"
        return "string"
