"""Folders of data files written as one dataset.

Spark, Hive, Delta and every export job that writes in chunks leave a dataset as a folder
of files: `events/dt=2024-01-01/region=eu/part-00000-<uuid>.snappy.parquet`, `events/_SUCCESS`,
`exports/orders_0001.csv`, `orders_0002.csv`... Readers of such data name the folder (or
a glob), so the catalog lists the folder once, as a dataset, never its thousands of files.

Grouping looks at paths only (no file is opened), in one pass over the files.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence

from attrs import define, field, frozen
from flowscan.catalog.files import CatalogFile

#: files a job writes beside its data to say it finished
MARKERS = frozenset({"_SUCCESS"})
_DELTA_LOG = "_delta_log"
# a Hive partition folder: `dt=2024-01-01`, `region=eu`
_PARTITION = re.compile(r"([A-Za-z_][\w.\-]*)=(.*)")
# Spark/Hadoop output: part-00000, part-00000-<uuid>-c000.snappy.parquet, part-r-00000.avro
_SPARK_PART = re.compile(r"part-(?:[mr]-)?\d{4,}")
# a numbered file: stem, number, extension(s): orders_0001.csv, events-20240101.jsonl.gz
_NUMBERED = re.compile(r"(.*?)(\d+)((?:\.[A-Za-z][A-Za-z0-9]*)+)")


@frozen
class Dataset:
    #: the dataset's folder as displayed, or a glob (`exports/orders_*.csv`) when the folder holds other files too
    name: str
    #: `delta table`, `hive partitions`, `spark output`, `numbered files`
    layout: str
    members: tuple[CatalogFile, ...]
    partition_keys: tuple[str, ...] = ()
    #: distinct partition folders in path order, `dt=2024-01-01/region=eu`
    partitions: tuple[str, ...] = ()
    #: the job's `_SUCCESS` marker is in the dataset's folder
    committed: bool = False


@define
class _Group:
    layout: str
    members: list[CatalogFile] = field(factory=list)
    keys: dict[str, None] = field(factory=dict)
    partitions: dict[str, None] = field(factory=dict)

    def add(self, file: CatalogFile, placed: _Placement) -> None:
        # a Delta table's files may sit in Hive partitions, and a Hive root may hold Spark's `_SUCCESS`:
        # the most specific layout names the dataset
        if _LAYOUT_RANK.index(placed.layout) < _LAYOUT_RANK.index(self.layout):
            self.layout = placed.layout
        self.members.append(file)
        if placed.partition and placed.partition not in self.partitions:
            self.partitions[placed.partition] = None
            for component in placed.partition.split("/"):
                self.keys[component.partition("=")[0]] = None


_LAYOUT_RANK = ("delta table", "hive partitions", "spark output")


def group(files: Sequence[CatalogFile], is_data: Callable[[str], bool]) -> tuple[list[Dataset], list[CatalogFile]]:
    """The datasets among `files` (sorted by path), and the files that stand alone."""
    success_dirs = {directory for directory, name in map(_split, (f.display_path for f in files)) if name in MARKERS}
    delta_roots = {_delta_root(f.display_path) for f in files if _in_delta_log(f.display_path)}
    # a partition folder holds many files: where a folder belongs is worked out once
    folders: dict[str, _Placement | None] = {}
    groups: dict[str, _Group] = {}
    loose: list[CatalogFile] = []
    for file in files:
        directory, name = _split(file.display_path)
        if name in MARKERS or _in_delta_log(file.display_path) or not is_data(name):
            continue  # a job's bookkeeping, not data
        if directory not in folders:
            folders[directory] = _place_folder(directory, delta_roots, success_dirs)
        placed = folders[directory]
        if placed is None and (directory in success_dirs or _SPARK_PART.match(name)):
            placed = _Placement(directory or ".", "spark output")
        if placed is None:
            loose.append(file)
            continue
        if placed.hidden:
            continue
        if placed.root not in groups:
            groups[placed.root] = _Group(placed.layout)
        groups[placed.root].add(file, placed)
    datasets = [Dataset(root, g.layout, tuple(g.members), tuple(g.keys), tuple(g.partitions), root in success_dirs)
                for root, g in groups.items()]
    series, single = _numbered(loose)
    return sorted([*datasets, *series], key=lambda d: d.name), single


@frozen
class _Placement:
    root: str
    layout: str
    #: the partition folders between the root and the file, `dt=2024-01-01/region=eu`
    partition: str = ""
    # in a dataset's temporary or hidden folder (`_temporary/`, `.spark-staging-*/`): an unfinished
    # write that readers of the dataset skip too; neither a member nor a file of its own
    hidden: bool = False


def _place_folder(directory: str, delta_roots: set[str], success_dirs: set[str]) -> _Placement | None:
    """The dataset a folder's files belong to by the folder's path (a Delta table, Hive partitions,
    a hidden folder of Spark output), if any."""
    parts = directory.split("/") if directory else []
    for depth in range(len(parts), -1, -1) if delta_roots else ():
        prefix = "/".join(parts[:depth]) or "."
        if prefix in delta_roots:
            return _in_root(prefix, parts[depth:], "delta table")
    for depth, part in enumerate(parts):
        if "=" in part and _PARTITION.fullmatch(part):
            return _in_root("/".join(parts[:depth]) or ".", parts[depth:], "hive partitions")
        if part.startswith(("_", ".")) and "/".join(parts[:depth]) in success_dirs:
            return _in_root("/".join(parts[:depth]) or ".", parts[depth:], "spark output")
    return None


def _in_root(root: str, below: list[str], layout: str) -> _Placement:
    if any(part.startswith(("_", ".")) for part in below):
        return _Placement(root, layout, hidden=True)
    partition = []
    for part in below:
        if not _PARTITION.fullmatch(part):
            break
        partition.append(part)
    return _Placement(root, layout, "/".join(partition))


def _numbered(files: list[CatalogFile]) -> tuple[list[Dataset], list[CatalogFile]]:
    """Series of numbered files in one folder (`orders_0001.csv`, `orders_0002.csv`): three or more,
    or two whose numbers are written to one width of two or more digits (`2023`, `2024`)."""
    series: dict[tuple[str, str, str], list[tuple[CatalogFile, str]]] = defaultdict(list)
    in_folder: dict[str, int] = defaultdict(int)
    for file in files:
        directory, name = _split(file.display_path)
        in_folder[directory] += 1
        if match := _NUMBERED.fullmatch(name):
            series[(directory, match[1], match[3])].append((file, match[2]))
    datasets: list[Dataset] = []
    taken: set[str] = set()
    for (directory, stem, extension), members in series.items():
        widths = {len(number) for _, number in members}
        if not (len(members) >= 3 or (len(members) == 2 and len(widths) == 1 and widths.pop() >= 2)):
            continue
        whole_folder = in_folder[directory] == len(members)
        name = (directory or ".") if whole_folder else f"{directory + '/' if directory else ''}{stem}*{extension}"
        datasets.append(Dataset(name, "numbered files", tuple(f for f, _ in members)))
        taken.update(f.display_path for f, _ in members)
    return datasets, [f for f in files if f.display_path not in taken]


def _split(path: str) -> tuple[str, str]:
    directory, _, name = path.rpartition("/")
    return directory, name


def _in_delta_log(path: str) -> bool:
    return f"/{_DELTA_LOG}/" in f"/{path}"


def _delta_root(path: str) -> str:
    """The table folder above `_delta_log/` (callers test that the path has one)."""
    parts = path.split("/")
    return "/".join(parts[:parts.index(_DELTA_LOG)]) or "."
