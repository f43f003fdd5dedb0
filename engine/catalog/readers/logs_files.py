"""Log files kept in the repository: their format, fields and time span, from a bounded sample.

Only the first 64 KiB (at most 200 lines) of a file is read — decompressed, for
`.log.gz` — so a 40 GB access log costs what a small one does. Each line is tried
against the formats below; the format most lines match wins. Formats whose entries
span lines (a Python traceback after its log line) need only their first lines to
match. A sample with NUL bytes or mostly control characters is not a log: that is a
Problem, with the line and column of the first bad byte.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import PurePosixPath

from attrs import frozen

from flowscan.catalog.files import CatalogFile, Unreadable
from flowscan.catalog.model import Field, Item, Origin, Part, Problem
from flowscan.catalog.readers.datasample import is_gzip, sample_bytes
from flowscan.catalog.readers.jsondata import json_type

SOURCE = "log-file"
SAMPLE_BYTES = 64 * 1024
SAMPLE_LINES = 200
_NAME = re.compile(r"\.log(?:\.\d+)?(?:\.gz)?$|\.log\.\d{4}-?\d{2}-?\d{2}(?:\.gz)?$|^(?:access|error)_log(?:\.\d+)?$",
                   re.IGNORECASE)
# control characters other than tab, newline, carriage return and ESC (ANSI colours are common in logs)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f-\x9f]")


def claims(file: CatalogFile) -> bool:
    display_path = file.display_path
    return bool(_NAME.search(PurePosixPath(display_path).name))


def read(files: Sequence[CatalogFile]) -> Part:
    items: list[Item] = []
    problems: list[Problem] = []
    for file in files:
        found = read_log_file(file)
        if isinstance(found, Problem):
            problems.append(found)
        else:
            items.append(found)
    return Part(tuple(items), (), tuple(problems))


# --- the sample ---------------------------------------------------------------------------


@frozen
class Sample:
    lines: tuple[str, ...]
    #: the encoding the text was read in, when not UTF-8
    encoding: str = "utf-8"
    compressed: bool = False


def sample(file: CatalogFile) -> Sample | Problem:
    compressed = is_gzip(file.name)
    try:
        # a gzip bomb or a truncated archive costs no more than the sample
        data = sample_bytes(file, SAMPLE_BYTES).data
    except Unreadable as error:
        return error.problem
    if b"\0" in data:
        return _binary(file, data, data.index(b"\0"))
    cut = len(data) >= SAMPLE_BYTES and b"\n" in data
    try:
        text, encoding = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as error:
        if cut and error.start >= len(data) - 4:  # a character cut by the sample's end
            text, encoding = data[: error.start].decode("utf-8", errors="replace"), "utf-8"
        else:
            text, encoding = data.decode("latin-1"), "latin-1"
    if cut:
        text = text[: text.rfind("\n") + 1]  # the last line is cut by the sample's end
    controls = _CONTROL.findall(text)
    if text and len(controls) > len(text) / 10:
        first = _CONTROL.search(text)
        assert first is not None
        return _binary(file, text.encode("latin-1", errors="replace"), first.start())
    return Sample(tuple(text.splitlines()[:SAMPLE_LINES]), encoding, compressed)


def _binary(file: CatalogFile, data: bytes, offset: int) -> Problem:
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return file.problem(f"binary data where a log file was expected (byte 0x{data[offset]:02x})", line, column)


# --- formats --------------------------------------------------------------------------------


@frozen
class Entry:
    """What one line says: its fields (name → value), its time and level if known."""

    fields: dict[str, object]
    time: datetime | None = None
    level: str | None = None


_LEVELS = ("TRACE", "DEBUG", "INFO", "NOTICE", "WARNING", "WARN", "ERROR", "CRITICAL", "FATAL", "PANIC")
_LEVEL_WORD = "|".join(_LEVELS)
_CLF = re.compile(r'^(\S+) (\S+) (\S+) \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d{3}|-) (\d+|-)(?: "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)")?')
_RFC5424 = re.compile(r"^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (-|(?:\[(?:[^\]\\]|\\.)*\])+)(?: (.*))?$")
_RFC3164 = re.compile(r"^(?:<(\d{1,3})>)?([A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}) (\S+) ([^:\[\s]+)(?:\[(\d+)\])?: ?(.*)$")
_PYTHON = re.compile(rf"^(\d{{4}}-\d{{2}}-\d{{2}} \d{{2}}:\d{{2}}:\d{{2}},\d{{3}})\s*(?:[-|:]\s*)?(?:.*?\b)?({_LEVEL_WORD})\b[\s:\-|\]]*(.*)$")
_PYTHON_BASIC = re.compile(r"^(DEBUG|INFO|WARNING|ERROR|CRITICAL):([^:\s]*):(.*)$")
_TIMESTAMPED = re.compile(
    rf"^\[?(\d{{4}}-\d{{2}}-\d{{2}}[T ]\d{{2}}:\d{{2}}:\d{{2}}(?:[.,]\d+)?(?:Z|[+-]\d{{2}}:?\d{{2}})?)\]?\s+(?:.*?\b)?({_LEVEL_WORD})\b\s*(.*)$")
_LOGFMT_PAIR = re.compile(r'([A-Za-z_][\w.\-/]*)=("(?:[^"\\]|\\.)*"|[^\s"]*)(?:\s+|$)')
_SYSLOG_SEVERITIES = ("EMERG", "ALERT", "CRIT", "ERROR", "WARNING", "NOTICE", "INFO", "DEBUG")


def _json_line(line: str) -> Entry | None:
    if not line.lstrip().startswith("{"):
        return None
    try:
        data = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    time = next((_time(data[k]) for k in ("@timestamp", "timestamp", "time", "ts", "asctime", "date", "t") if k in data), None)
    level = next((str(data[k]) for k in ("level", "levelname", "severity", "log.level", "lvl") if k in data and data[k]), None)
    return Entry(data, time, level)


def _logfmt_line(line: str) -> Entry | None:
    position, fields = 0, {}
    text = line.strip()
    while position < len(text):
        pair = _LOGFMT_PAIR.match(text, position)
        if pair is None:
            return None
        value = pair.group(2)
        fields[pair.group(1)] = value[1:-1] if value.startswith('"') else _scalar(value)
        position = pair.end()
    if len(fields) < 2:
        return None
    time = next((_time(fields[k]) for k in ("ts", "time", "t", "timestamp") if k in fields), None)
    level = next((str(fields[k]) for k in ("level", "lvl", "severity") if k in fields), None)
    return Entry(fields, time, level)


def _clf_line(line: str) -> Entry | None:
    match = _CLF.match(line)
    if match is None:
        return None
    names = ("remote_host", "ident", "user", "time", "request", "status", "bytes", "referer", "user_agent")
    fields = {name: _scalar(value) for name, value in zip(names, match.groups()) if value is not None}
    time = _parse(match.group(4), "%d/%b/%Y:%H:%M:%S %z")
    status = match.group(6)
    return Entry(fields, time, f"{status[0]}xx" if status[0].isdigit() else None)


def _rfc5424_line(line: str) -> Entry | None:
    match = _RFC5424.match(line)
    if match is None or int(match.group(1)) > 191:
        return None
    names = ("priority", "timestamp", "hostname", "app_name", "procid", "msgid", "structured_data", "message")
    fields = {name: _scalar(value) for name, value in zip(names, match.groups()) if value is not None}
    return Entry(fields, _time(match.group(2)), _SYSLOG_SEVERITIES[int(match.group(1)) % 8])


def _rfc3164_line(line: str) -> Entry | None:
    match = _RFC3164.match(line)
    if match is None:
        return None
    names = ("priority", "timestamp", "hostname", "app", "pid", "message")
    fields = {name: _scalar(value) for name, value in zip(names, match.groups()) if value is not None}
    # no year in RFC 3164: 2000 is a leap year, so `Feb 29` parses; only the day and time are shown
    time = _parse(f"2000 {' '.join(match.group(2).split())}", "%Y %b %d %H:%M:%S")
    severity = _SYSLOG_SEVERITIES[int(match.group(1)) % 8] if match.group(1) else None
    return Entry(fields, time, severity)


def _python_line(line: str) -> Entry | None:
    match = _PYTHON.match(line)
    if match is not None:
        return Entry({"timestamp": match.group(1), "level": match.group(2), "message": match.group(3)},
                     _time(match.group(1)), match.group(2))
    basic = _PYTHON_BASIC.match(line)  # logging.basicConfig()'s own `INFO:root:message`
    if basic is not None:
        return Entry({"level": basic.group(1), "logger": basic.group(2), "message": basic.group(3)}, None, basic.group(1))
    return None


def _timestamped_line(line: str) -> Entry | None:
    match = _TIMESTAMPED.match(line)
    if match is None:
        return None
    return Entry({"timestamp": match.group(1), "level": match.group(2), "message": match.group(3)},
                 _time(match.group(1)), match.group(2))


@frozen
class Format:
    name: str
    parse: Callable[[str], Entry | None]
    #: entries may run over several lines (tracebacks, stack traces)
    multiline: bool = False


#: in order of preference when two formats match equally often
FORMATS = (
    Format("json-lines", _json_line),
    Format("syslog-rfc5424", _rfc5424_line),
    Format("access-log", _clf_line),
    Format("syslog-rfc3164", _rfc3164_line),
    Format("logfmt", _logfmt_line),
    Format("python-logging", _python_line, multiline=True),
    Format("timestamped-text", _timestamped_line, multiline=True),
)


def _scalar(text: str) -> object:
    if re.fullmatch(r"-?\d{1,18}", text):
        return int(text)
    if re.fullmatch(r"-?\d+\.\d+", text):
        return float(text)
    if text in ("true", "false"):
        return text == "true"
    return text


def _time(value: object) -> datetime | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = value / 1000 if 1e12 <= value < 1e14 else value if 1e9 <= value < 1e11 else None
        return datetime.fromtimestamp(seconds, tz=timezone.utc) if seconds is not None else None
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        return None


def _parse(text: str, pattern: str) -> datetime | None:
    try:
        return datetime.strptime(text, pattern)
    except ValueError:
        return None


# --- choosing the format and describing the file ----------------------------------------------


def read_log_file(file: CatalogFile) -> Item | Problem:
    found = sample(file)
    if isinstance(found, Problem):
        return found
    lines = [line for line in found.lines if line.strip()]
    facts: list[tuple[str, str]] = []
    fields: tuple[Field, ...] = ()
    chosen, entries = _choose(lines)
    if not lines:
        facts.append(("format", "empty"))
    elif chosen is None:
        facts.append(("format", "text"))
    else:
        name = chosen.name
        if name == "access-log":
            name = "combined" if any("user_agent" in e.fields for e in entries) else "common"
        facts.append(("format", name))
        fields = _fields(chosen, entries)
    facts.append(("sampled_lines", str(len(found.lines))))
    if chosen is not None:
        facts.append(("matched_lines", str(len(entries))))
    facts.append(("size", str(file.size)))
    if found.compressed:
        facts.append(("compression", "gzip"))
    if found.encoding != "utf-8":
        facts.append(("encoding", found.encoding))
    facts += _time_range(chosen, entries)
    statuses = chosen is not None and chosen.name == "access-log"
    levels = Counter(e.level if statuses else e.level.upper() for e in entries if e.level)
    if levels:
        facts.append(("statuses" if statuses else "levels",
                      ", ".join(f"{level} {count}" for level, count in levels.most_common())))
    return Item("log", file.display_path, (Origin(SOURCE, file.display_path, 1),), fields, facts=tuple(facts))


def _choose(lines: list[str]) -> tuple[Format | None, list[Entry]]:
    best: tuple[Format | None, list[Entry]] = (None, [])
    for candidate in FORMATS:
        entries = [entry for line in lines if (entry := candidate.parse(line)) is not None]
        share = len(entries) / len(lines) if lines else 0
        enough = share >= 0.5 or (candidate.multiline and share >= 0.2 and candidate.parse(lines[0]) is not None)
        if enough and len(entries) > len(best[1]):
            best = (candidate, entries)
    return best


def _fields(chosen: Format, entries: list[Entry]) -> tuple[Field, ...]:
    types: dict[str, set[str]] = {}
    seen: Counter[str] = Counter()
    for entry in entries:
        for name, value in _flatten(entry.fields):
            types.setdefault(name, set()).add(json_type(value))
            seen[name] += 1
    fields: list[Field] = []
    for name, kinds in types.items():
        nullable = seen[name] < len(entries) or "null" in kinds
        shown = sorted(kinds - {"null"}) or ["null"]
        fields.append(Field(name, "|".join(shown), nullable=nullable if chosen.name in ("json-lines", "logfmt") else None))
    return tuple(fields)


def _flatten(fields: dict[str, object], prefix: str = "", depth: int = 0) -> list[tuple[str, object]]:
    flat: list[tuple[str, object]] = []
    for key, value in fields.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and value and depth < 2:
            flat += _flatten(value, name, depth + 1)
        else:
            flat.append((name, value))
    return flat


def _time_range(chosen: Format | None, entries: list[Entry]) -> list[tuple[str, str]]:
    times = [e.time for e in entries if e.time is not None]
    if not times:
        return []
    aware = times[0].tzinfo is not None
    times = [t for t in times if (t.tzinfo is not None) == aware]
    first, last = min(times), max(times)
    if chosen is not None and chosen.name == "syslog-rfc3164":
        return [("time_range", f"{first:%b %d %H:%M:%S} to {last:%b %d %H:%M:%S} (year not written)")]
    return [("time_range", f"{first.isoformat()} to {last.isoformat()}")]
