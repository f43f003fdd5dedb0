"""Delimited text (CSV, TSV, PSV, and `.txt` exports that clearly are tables): columns and their types.

Only a bounded head of the file is read (SAMPLE_BYTES, at most SAMPLE_ROWS records). From
it: the delimiter (`,` `;` tab `|`, chosen by how consistently each splits the records),
whether the first record is a header, and for each column the narrowest type all its
sampled values fit. Quoted fields may hold delimiters and newlines; `csv` parses them.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterator

from attrs import frozen
from flowscan.catalog.files import CatalogFile, Unreadable
from flowscan.catalog.model import Field
from flowscan.catalog.readers.datasample import (
    ProblemLog,
    Reading,
    Sample,
    Text,
    TypeTally,
    decode,
    listed,
    sample_bytes,
    sampled_fact,
    scalar_type,
)

SAMPLE_BYTES = 64 * 1024
SAMPLE_ROWS = 1000
#: records looked at to choose the delimiter
_SNIFF_ROWS = 50
_DELIMITERS = (",", ";", "\t", "|")
#: delimiters as facts show them: a bare `,` or `;` reads as punctuation in `delimiter=;, header=yes`
_SHOWN = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
#: the delimiter a file's extension promises, preferred when the content is ambiguous
_BY_EXTENSION = {".csv": ",", ".tsv": "\t", ".tab": "\t", ".psv": "|"}
# Excel writes `sep=;` as the first line of exports meant for other locales
_EXCEL_SEP = re.compile(r"sep=(.)[ \t]*\r?\n")
# what a header cell looks like: a name, possibly with spaces, units or punctuation
_HEADER_CELL = re.compile(r"[^\W\d][\w .\-/#%()\[\]:'&+]*|_\w*")
_TYPED = frozenset({"integer", "decimal", "boolean", "date", "timestamp"})
# a `.txt` file is taken for a table only with this many records, all split alike
_TXT_MIN_RECORDS = 5


@frozen
class _Record:
    line: int
    cells: list[str]


@frozen
class _Layout:
    delimiter: str
    #: line the records start on (after an Excel `sep=` line)
    first_line: int
    text: str


def read_delimited(file: CatalogFile, *, strict: bool = False) -> Reading | None:
    """The columns of a delimited file; `strict` (for `.txt`) returns None unless the file is clearly a table."""
    log = ProblemLog(file)
    try:
        sample = sample_bytes(file, SAMPLE_BYTES)
    except Unreadable as error:
        return listed("csv", file, error.problem)
    if sample.problem:
        log.add(sample.problem)
    decoded = decode(sample)
    if isinstance(decoded, str):
        if strict:
            return None
        log.add(f"{decoded}: not read as delimited text")
        return Reading("csv", facts=tuple(_base_facts(file, sample, None)), problems=log.all())
    layout = _layout(file, decoded.text, sample.truncated)
    records = _records(layout, sample.truncated, log)
    if strict and not _clearly_a_table(records):
        return None
    if not records:
        if sample.truncated:
            log.add(f"no whole record in the first {SAMPLE_BYTES} bytes: columns not read")
        return Reading("csv", facts=tuple(_base_facts(file, sample, decoded)), problems=log.all())
    return _reading(file, sample, decoded, layout, records, log)


def _reading(file: CatalogFile, sample: Sample, decoded: Text, layout: _Layout, records: list[_Record],
             log: ProblemLog) -> Reading:
    decimal_comma = layout.delimiter != ","
    header = _has_header(records[0].cells, [r.cells for r in records[1:]], decimal_comma)
    width = len(records[0].cells) if header else Counter(len(r.cells) for r in records).most_common(1)[0][0]
    rows = records[1:] if header else records
    line = records[0].line
    if not rows and sample.truncated:
        log.add(f"no whole record after the header in the first {SAMPLE_BYTES} bytes: column types not inferred", line)
    _report_ragged(rows, width, header, log)
    tallies = _column_types(rows, width, decimal_comma)
    names = _names(records[0].cells if header else [], width, log, line)
    # a sample that holds the whole file knows a column has no empty cells; a head does not
    whole = not sample.truncated and 0 < len(rows) < SAMPLE_ROWS
    fields = tuple(
        Field(name, tally.resolved(), True if tally.nulls else (False if whole else None), line=line)
        for name, tally in zip(names, tallies, strict=True)
    )
    facts = [*_base_facts(file, sample, decoded),
             ("delimiter", _SHOWN[layout.delimiter]),
             ("header", "yes" if header else "no"),
             ("columns", str(width)),
             ("sampled_rows", str(len(rows))),
             ("sampled", f"first {SAMPLE_ROWS} rows") if len(rows) >= SAMPLE_ROWS else sampled_fact(sample, SAMPLE_BYTES)]
    if decimal_comma and _uses_decimal_comma(rows):
        facts.append(("decimal_separator", "comma"))
    return Reading("csv", fields, tuple(facts), log.all(), line)


def _column_types(rows: list[_Record], width: int, decimal_comma: bool) -> list[TypeTally]:
    tallies = [TypeTally() for _ in range(width)]
    for row in rows:
        for index, tally in enumerate(tallies):
            # a short record's missing cells are empty ones, as every CSV reader fills them
            tally.add(scalar_type(row.cells[index], decimal_comma) if index < len(row.cells) else "null")
    return tallies


def _base_facts(file: CatalogFile, sample: Sample, decoded: Text | None) -> list[tuple[str, str]]:
    facts = [("format", "csv"), ("size_bytes", str(file.size))]
    if decoded is not None:
        facts.append(("encoding", decoded.encoding))
    if sample.compression:
        facts.append(("compression", sample.compression))
    return facts


def _layout(file: CatalogFile, text: str, truncated: bool) -> _Layout:
    first_line = 1
    if match := _EXCEL_SEP.match(text):
        text = text[match.end():]
        first_line = 2
        if match[1] in _DELIMITERS:
            return _Layout(match[1], first_line, _cut(text, truncated))
    text = _cut(text, truncated)
    suffix = _extension(file.name)
    return _Layout(_delimiter(text, _BY_EXTENSION.get(suffix, ",")), first_line, text)


def _cut(text: str, truncated: bool) -> str:
    """A head ends mid-line: keep whole lines only (a quoted field cut short is dropped with its record)."""
    if not truncated:
        return text
    end = text.rfind("\n")
    return text[:end + 1] if end >= 0 else ""


def _extension(name: str) -> str:
    lowered = name.lower().removesuffix(".gz")
    dot = lowered.rfind(".")
    return lowered[dot:] if dot >= 0 else ""


def _delimiter(text: str, preferred: str) -> str:
    """The delimiter that splits the first records most consistently into two or more fields.

    csv.Sniffer guesses from character frequencies and is easily fooled by decimal commas
    and free text; parsing with each candidate and counting fields per record is not.
    """
    def score(delimiter: str) -> tuple[float, bool, bool, int]:
        counts = [len(cells) for cells in _parse_head(text, delimiter)]
        if not counts:
            return (0.0, False, False, 0)
        modal, times = Counter(counts).most_common(1)[0]
        if modal < 2:
            return (0.0, False, False, 0)
        return (round(times / len(counts), 2), counts[0] == modal, delimiter == preferred, modal)

    return max(_DELIMITERS, key=score)


def _parse_head(text: str, delimiter: str) -> list[list[str]]:
    rows: list[list[str]] = []
    try:
        for cells in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if cells:
                rows.append(cells)
            if len(rows) >= _SNIFF_ROWS:
                break
    except csv.Error:
        pass  # the delimiter that parses best is chosen; its errors are reported when it is read
    return rows


def _records(layout: _Layout, truncated: bool, log: ProblemLog) -> list[_Record]:
    records: list[_Record] = []
    for record in _iter_records(layout, log):
        records.append(record)
        if len(records) > SAMPLE_ROWS:  # the header, then SAMPLE_ROWS rows
            break
    if truncated and len(records) > 1 and len(records) <= SAMPLE_ROWS:
        # the last record may be a quoted field the sample cut in two
        records.pop()
    return records


def _iter_records(layout: _Layout, log: ProblemLog) -> Iterator[_Record]:
    reader = csv.reader(io.StringIO(layout.text, newline=""), delimiter=layout.delimiter)
    consumed = 0  # physical lines read before the current record
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            log.add(f"not valid CSV: {error}", layout.first_line + reader.line_num - 1)
            return
        line = layout.first_line + consumed
        consumed = reader.line_num
        if cells and any(c.strip() for c in cells):
            yield _Record(line, cells)


def _has_header(first: list[str], rows: list[list[str]], decimal_comma: bool) -> bool:
    """Whether the first record names the columns rather than holding values.

    A header's cells are names: none is a number or a date, and where a column's values
    below are typed (numbers, dates, booleans), its first cell is not of that type. When
    every column holds text, the first record is a header if its cells look like names and
    none recurs as a value below it (a headerless list of statuses repeats its words).
    Booleans prove nothing on their own: `x,y` is a header, and `y` reads as "yes".
    """
    cells = [c.strip() for c in first]
    if not any(cells):
        return False
    own = [scalar_type(c, decimal_comma) if c else "null" for c in cells]
    if any(t not in ("string", "null", "boolean") for t in own):
        return False
    typed_columns = 0
    for index, cell in enumerate(cells):
        values = [row[index] for row in rows if index < len(row)]
        tally = TypeTally()
        for value in values:
            tally.add(scalar_type(value, decimal_comma))
        resolved = tally.resolved()
        if resolved in _TYPED and own[index] != resolved:
            typed_columns += 1
        elif cell and cell in {v.strip() for v in values}:
            return False
    if typed_columns:
        return True
    return all(_HEADER_CELL.fullmatch(c) and len(c) <= 64 for c in cells if c)


def _names(header: list[str], width: int, log: ProblemLog, line: int) -> list[str]:
    """Header cells as column names (`column_3` for a blank one); a headerless file gets column_1..N."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for index in range(width):
        name = header[index].strip() if index < len(header) else ""
        name = name or f"column_{index + 1}"
        if name.lower() in seen:
            log.add(f"column {index + 1} repeats the name {name!r} of column {seen[name.lower()] + 1}", line)
        seen.setdefault(name.lower(), index)
        names.append(name)
    return names


def _report_ragged(rows: list[_Record], width: int, header: bool, log: ProblemLog) -> None:
    expected = "the header has" if header else "most records have"
    for row in rows:
        if len(row.cells) != width:
            log.add(f"{len(row.cells)} fields where {expected} {width}", row.line)


def _uses_decimal_comma(rows: list[_Record]) -> bool:
    return any("," in cell and scalar_type(cell, True) == "decimal" for row in rows for cell in row.cells)


def _clearly_a_table(records: list[_Record]) -> bool:
    """For `.txt`: enough records, every one split into the same two or more fields."""
    if len(records) < _TXT_MIN_RECORDS:
        return False
    widths = {len(r.cells) for r in records}
    return len(widths) == 1 and widths.pop() >= 2
