"""Data files in the repository: CSV/TSV/PSV, JSON, JSON Lines, Parquet, Avro and XML, and
folders of them written as one dataset (Hive partitions, Spark/Delta output, numbered files).

Each file becomes an Item of type `file` named by its path, with its fields (columns,
JSON paths, element paths) and facts (delimiter, encoding, row count, codec...), read
from a bounded head or from the format's own metadata. A folder written as one dataset
becomes one Item of type `dataset`, its schema read from its first and last member files.

What is not data is left to others or to no one: package manifests, tool configs, JSON
Schema and OpenAPI documents, build and logging XML, vendored folders.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from flowscan.catalog.files import CatalogFile
from flowscan.catalog.model import Field, Item, Origin, Part, Problem
from flowscan.catalog.readers import Reader
from flowscan.catalog.readers.columnar import MissingExtras, read_avro, read_parquet
from flowscan.catalog.readers.datasample import (
    NULL_TOKENS,
    Reading,
    TypeTally,
    listed,
    scalar_type,
)
from flowscan.catalog.readers.jsondata import read_json, read_jsonl
from flowscan.catalog.readers.partitions import MARKERS, Dataset, group
from flowscan.catalog.readers.tabular import read_delimited
from flowscan.catalog.readers.xmldata import read_xml
from flowscan.redact import redact

#: file extensions and the format each is read as (`.txt` only when it clearly is a table)
EXTENSIONS: dict[str, str] = {
    "csv": "csv", "tsv": "csv", "tab": "csv", "psv": "csv", "txt": "txt", "json": "json", "jsonl": "jsonl",
    "ndjson": "jsonl", "parquet": "parquet", "parq": "parquet", "avro": "avro", "xml": "xml",
}
#: the text formats also read gzip-compressed (`orders.csv.gz`); Parquet and Avro compress inside
GZIPPED = frozenset({"csv", "json", "jsonl", "xml"})

_FORMAT_READERS: dict[str, Callable[[CatalogFile, MissingExtras], Reading | None]] = {
    "csv": lambda file, _: read_delimited(file),
    "txt": lambda file, _: read_delimited(file, strict=True),
    "json": lambda file, _: read_json(file),
    "jsonl": lambda file, _: read_jsonl(file),
    "parquet": read_parquet,
    "avro": read_avro,
    "xml": lambda file, _: read_xml(file),
}

# folders of third-party code, tools and editors: their data files are not the repository's datasets
_VENDOR_DIRS = frozenset({
    "node_modules", "bower_components", "jspm_packages", "vendor", "site-packages", ".yarn", ".pnpm-store",
    ".vscode", ".idea", ".settings", ".devcontainer", ".github", ".gitlab", ".circleci", ".terraform", ".next",
    ".nuxt", ".angular", ".svelte-kit", ".gradle", ".mvn", ".venv", "venv", ".tox", ".nox", ".mypy_cache",
    ".pytest_cache", ".ruff_cache", "__pycache__", ".git", ".hg", ".cache", "coverage", "htmlcov",
})
# JSON files that configure tools or lock dependencies (exact names, lower case)
_CONFIG_JSON = frozenset({
    "package.json", "package-lock.json", "npm-shrinkwrap.json", "composer.json", "bower.json", "lerna.json",
    "nx.json", "turbo.json", "angular.json", "deno.json", "deno.jsonc", "renovate.json", ".renovaterc.json",
    "vercel.json", "now.json", "firebase.json", "manifest.json", "tslint.json", "cspell.json", "devcontainer.json",
    "pyrightconfig.json", "biome.json", "jest.config.json", "nodemon.json", ".releaserc.json", "typedoc.json",
    "api-extractor.json", "components.json", "cdk.json", "cdk.context.json", "host.json", "local.settings.json",
    "global.json", "launchsettings.json", "vcpkg.json", "babel.config.json", ".babelrc.json", ".mocharc.json",
    "tsdoc.json", "openapi.json", "swagger.json", "asyncapi.json", "project.assets.json", "packages.lock.json",
    "composer.lock.json", "app.json", "capacitor.config.json", "ionic.config.json", "karma.conf.json",
    "config.json", "settings.json", "configuration.json", "language-configuration.json", "extensions.json",
})
_CONFIG_JSON_PREFIXES = ("tsconfig", "jsconfig", ".eslintrc", ".prettierrc", ".stylelintrc", ".markdownlint",
                         "appsettings", ".swcrc", ".lintstagedrc")
_CONFIG_JSON_SUFFIXES = (".schema.json", ".lock.json", "-lock.json", ".tf.json", ".runtimeconfig.json",
                         ".deps.json", ".openapi.json", ".swagger.json", ".code-workspace.json", ".config.json",
                         "-config.json", "_config.json", ".settings.json", ".tmlanguage.json", ".snippets.json")
# folders of translations: string tables keyed by message id, not datasets
_LOCALE_DIRS = frozenset({"locales", "locale", "i18n", "l10n", "translations", "lang"})
# XML files that build, configure or lay out an application (exact names, lower case)
_CONFIG_XML = frozenset({
    "pom.xml", "web.xml", "androidmanifest.xml", "persistence.xml", "ehcache.xml", "hibernate.cfg.xml", "ivy.xml",
    "build.xml", "settings.xml", "faces-config.xml", "struts.xml", "beans.xml", "phpunit.xml", "checkstyle.xml",
    "pmd.xml", "spotbugs.xml", "findbugs.xml", "findbugs-exclude.xml", "spotbugs-exclude.xml", "suppressions.xml",
    "proguard.xml", "nuget.config.xml", "app.config.xml", "sitemap-index.xml", "jboss-web.xml", "context.xml",
    "server.xml", "tomcat-users.xml", "ruleset.xml", "mybatis-config.xml", "sqlmapconfig.xml", "assembly.xml",
})
_CONFIG_XML_PREFIXES = ("logback", "log4j", "applicationcontext", "checkstyle", "spotbugs", "findbugs", "pmd-")
_CONFIG_XML_SUFFIXES = ("-site.xml", "-context.xml", "-servlet.xml", ".hbm.xml", "-config.xml", "-beans.xml")
_CONFIG_XML_DIRS = frozenset({"meta-inf", "web-inf", ".idea", ".settings", "res"})
# `.txt` files that are prose or package metadata
_PROSE_TXT_PREFIXES = ("requirements", "constraints", "license", "licence", "copying", "notice", "readme", "authors",
                       "changelog", "changes", "history", "contributors", "robots", "humans", "security", "manifest",
                       "cmakelists", "top_level", "entry_points", "sources", "dependency_links", "version", "news",
                       "todo", "install", "thanks", "credits", "patents")
_PROSE_TXT_DIRS = frozenset({"docs", "doc", "licenses", "licences"})
#: facts of a member file that describe that file alone, not the dataset
_PER_FILE_FACTS = frozenset({"format", "size_bytes", "num_rows", "row_groups", "sampled", "sampled_rows",
                             "sampled_records", "columns"})
_SAMPLED_MEMBERS = 2


def data_format(name: str) -> str | None:
    """The format a file is read as, from its name; None for files that are not data files."""
    stem, dot, extension = name.lower().rpartition(".")
    if not dot or not stem:
        return None
    if extension == "gz":
        stem, dot, extension = stem.rpartition(".")
        format_ = EXTENSIONS.get(extension) if dot and stem else None
        return format_ if format_ in GZIPPED else None
    return EXTENSIONS.get(extension)


def claims(file: CatalogFile) -> bool:
    display_path = file.display_path
    directory, _, name = display_path.rpartition("/")
    if name in MARKERS:
        return True
    format_ = data_format(name)
    if format_ is None:
        return False
    folders = {part.lower() for part in directory.split("/")} if directory else set()
    if folders & _VENDOR_DIRS:
        return False
    lowered = name.lower()
    if format_ == "json":
        return not _config_json(lowered, folders)
    if format_ == "xml":
        return not _config_xml(lowered, folders)
    if format_ == "txt":
        return not (lowered.startswith(_PROSE_TXT_PREFIXES) or folders & _PROSE_TXT_DIRS or ".egg-info" in directory)
    return True


def _config_json(name: str, folders: set[str]) -> bool:
    plain = name.removesuffix(".gz")
    return (plain in _CONFIG_JSON or plain.startswith(_CONFIG_JSON_PREFIXES) or plain.endswith(_CONFIG_JSON_SUFFIXES)
            or bool(folders & _LOCALE_DIRS))


def _config_xml(name: str, folders: set[str]) -> bool:
    plain = name.removesuffix(".gz")
    return (plain in _CONFIG_XML or plain.startswith(_CONFIG_XML_PREFIXES) or plain.endswith(_CONFIG_XML_SUFFIXES)
            or bool(folders & _CONFIG_XML_DIRS))


def read(files: Sequence[CatalogFile]) -> Part:
    missing = MissingExtras()
    datasets, single = group(files, lambda name: data_format(name) is not None)
    items: list[Item] = []
    problems: list[Problem] = []
    for file in single:
        reading = read_file(file, missing)
        if reading is None:
            continue
        items.append(Item("file", file.display_path, (Origin(reading.source, file.display_path, reading.line),),
                          reading.fields, facts=reading.facts))
        problems.extend(reading.problems)
    for dataset in datasets:
        item, found = _dataset_item(dataset, missing)
        items.append(item)
        problems.extend(found)
    problems.extend(missing.problems())
    return Part(tuple(items), (), tuple(problems))


def read_file(file: CatalogFile, missing: MissingExtras) -> Reading | None:
    """One file's reading; None when it turns out not to be data (a config, a `.txt` of prose)."""
    format_ = data_format(file.name)
    if format_ is None:
        return None
    try:
        return _FORMAT_READERS[format_](file, missing)
    except Exception as error:  # noqa: BLE001 - a bug on one odd file must not cost the other data files
        return listed(format_, file, file.problem(f"{format_} reader failed on this file: {error!r}"))


# --- datasets --------------------------------------------------------------------------


def _dataset_item(dataset: Dataset, missing: MissingExtras) -> tuple[Item, list[Problem]]:
    """One item for the whole folder: its schema from the first and last files of its main format
    (a schema that changed over time shows as a union), partition keys as fields."""
    member_formats = [data_format(f.display_path.rpartition("/")[2]) for f in dataset.members]
    formats = Counter(member_formats)
    main = formats.most_common(1)[0][0]
    of_main = [f for f, format_ in zip(dataset.members, member_formats, strict=True) if format_ == main]
    sampled = [of_main[0], of_main[-1]][:min(_SAMPLED_MEMBERS, len(of_main))]
    readings = [(f, r) for f in sampled if (r := read_file(f, missing)) is not None]
    problems = [p for _, r in readings for p in r.problems]
    source = readings[0][1].source if readings else str(main)
    fields = (*_union([r for _, r in readings]), *_partition_fields(dataset))
    facts: list[tuple[str, str]] = [
        ("format", source if len(formats) == 1 else ", ".join(str(f) for f in formats)),
        ("layout", dataset.layout),
        ("files", str(len(dataset.members))),
        ("total_bytes", str(sum(f.size for f in dataset.members))),
    ]
    if dataset.committed:
        facts.append(("committed", "yes (_SUCCESS)"))
    if dataset.partition_keys:
        examples = "; ".join(dataset.partitions[:3]) + ("; …" if len(dataset.partitions) > 3 else "")
        facts += [("partition_keys", ", ".join(dataset.partition_keys)),
                  ("partitions", str(len(dataset.partitions))),
                  ("partition_examples", redact(examples))]
    facts.append(("schema_from", _schema_from(len(readings), len(dataset.members))))
    if readings:
        facts += [(k, v) for k, v in readings[0][1].facts if k not in _PER_FILE_FACTS and k not in dict(facts)]
    origins = tuple(Origin(r.source, f.display_path, r.line) for f, r in readings) or (
        Origin(source, dataset.members[0].display_path, 1),)
    return Item("dataset", dataset.name, origins, fields, facts=tuple(facts)), problems


def _schema_from(read: int, members: int) -> str:
    if read == 0:
        return f"no member file could be read ({members} files)"
    if read == members:
        return "every file" if members > 1 else "its only file"
    return f"{read} of {members} files (first and last)" if read == 2 else f"{read} of {members} files"


def _union(readings: list[Reading]) -> tuple[Field, ...]:
    """The fields of several member files: a type that differs becomes a union, a field missing
    from one file is nullable."""
    merged: dict[str, Field] = {}
    seen_in: Counter[str] = Counter()
    for reading in readings:
        for f in reading.fields:
            seen_in[f.name] += 1
            known = merged.get(f.name)
            if known is None:
                merged[f.name] = f
            elif known.type != f.type and f.type is not None:
                types = dict.fromkeys([*(known.type or "").split("|"), *f.type.split("|")])
                merged[f.name] = Field(f.name, "|".join(t for t in types if t), True if f.nullable else known.nullable,
                                       line=known.line, description=known.description)
    return tuple(
        f if seen_in[f.name] == len(readings) else Field(f.name, f.type, True, line=f.line,
                                                          description="not in every sampled file")
        for f in merged.values()
    )


def _partition_fields(dataset: Dataset) -> tuple[Field, ...]:
    """Hive partition keys are columns of the dataset, with their values in folder names."""
    values: dict[str, set[str]] = {key: set() for key in dataset.partition_keys}
    for partition in dataset.partitions:
        for component in partition.split("/"):
            key, _, value = component.partition("=")
            values[key].add(value)
    fields = []
    for key, seen in values.items():
        tally = TypeTally()
        for value in seen:
            # Hive spells a NULL partition value __HIVE_DEFAULT_PARTITION__
            null = value == "__HIVE_DEFAULT_PARTITION__" or value.lower() in NULL_TOKENS
            tally.add("null" if null else scalar_type(value))
        fields.append(Field(key, tally.resolved(), bool(tally.nulls), description="partition key (folder names)"))
    return tuple(fields)


READERS: tuple[Reader, ...] = (Reader("datafiles", claims, read),)
