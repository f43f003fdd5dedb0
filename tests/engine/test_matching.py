"""The matching engine, one capability at a time, on realistic code."""

from __future__ import annotations

from snippets import lines, run

ETL = '''
import os
import pandas as pd
from pandas import read_parquet
from pandas import read_json as load_json_frame
import psycopg2

DATA = os.environ.get("DATA_DIR", "data")


def extract(day):
    orders = pd.read_csv(f"{DATA}/orders-{day}.csv", sep=";")
    products = read_parquet("s3://shop-lake/products.parquet")
    legacy = load_json_frame("legacy/orders.json")
    frame = pd.DataFrame(orders)
    return orders.merge(products, on="sku"), legacy, frame


def load(df):
    conn = psycopg2.connect(os.environ["DATABASE_URL"])
    with conn.cursor() as cur:
        cur.execute("SELECT max(day) FROM loads")
        cur.execute("INSERT INTO loads(day) VALUES (%s)", (1,))
    df.to_sql("daily_orders", conn, if_exists="append")
    try:
        df.to_sql("safe_orders", conn)
    except Exception:
        raise
'''

READS = '''
rule t.read {
  language python
  role source
  kind file
  match any {
    `pandas.read_csv($PATH, $$$)`
    `pandas.read_parquet($PATH, $$$)`
    `pandas.read_json($PATH)`
  }
  entity file = $PATH
  message "reads {PATH}"
}
'''


def test_qualified_names_resolve_through_python_imports():
    findings = run(READS, ETL, "python")
    assert lines(findings) == [12, 13, 14]
    assert [f.message for f in findings] == [
        "reads {DATA}/orders-{day}.csv",
        "reads s3://shop-lake/products.parquet",
        "reads legacy/orders.json",
    ]


def test_multi_metavariable_matches_zero_arguments_and_single_metavariable_exactly_one():
    rules = '''
    rule t.q {
      language python
      role source
      kind database
      match `$C.execute($SQL, $$$)`
      message "{SQL}"
    }
    rule t.exact {
      language python
      role sink
      kind database
      match `$C.execute($SQL)`
      message "one argument"
    }
    '''
    findings = run(rules, ETL, "python")
    assert lines(findings, "t.q") == [22, 23]
    assert lines(findings, "t.exact") == [22]
    assert [f.message for f in findings if f.rule_id == "t.q"][0] == "SELECT max(day) FROM loads"


def test_repeated_metavariable_must_bind_the_same_text():
    rules = '''
    rule t.self-merge {
      language python
      role transform
      kind file
      match `$A.merge($A, $$$)`
    }
    '''
    code = "x = left.merge(left, on='k')\ny = left.merge(right, on='k')\n"
    assert lines(run(rules, code, "python")) == [1]


def test_wildcard_matches_anything_and_binds_nothing():
    rules = '''
    rule t.w {
      language python
      role sink
      kind database
      match `$_.to_sql($_, $$$)`
      message "writes"
    }
    '''
    assert lines(run(rules, ETL, "python")) == [24, 26]


def test_string_literals_compare_by_value_not_quotes():
    rules = '''
    rule t.s3 {
      language python
      role connection
      kind object_store
      match `boto3.client("s3", $$$)`
    }
    '''
    code = "import boto3\na = boto3.client('s3')\nb = boto3.client(\"s3\", region_name='eu')\nc = boto3.client('sqs')\n"
    assert lines(run(rules, code, "python")) == [2, 3]


def test_not_inside_and_inside():
    rules = '''
    rule t.unguarded {
      language python
      role pipeline
      kind database
      severity warning
      match `$DF.to_sql($TABLE, $$$)`
      not inside ```
try:
    $$$
except $$$:
    $$$
```
      entity table = $TABLE
      message "writes {TABLE} with no error handling"
    }
    rule t.guarded {
      language python
      role sink
      kind database
      match `$DF.to_sql($TABLE, $$$)` inside kind try_statement
    }
    '''
    findings = run(rules, ETL, "python")
    assert [(f.start.line, f.message) for f in findings if f.rule_id == "t.unguarded"] == [
        (24, "writes daily_orders with no error handling")
    ]
    assert findings[0].severity == "warning"
    assert lines(findings, "t.guarded") == [26]


def test_has_follows_precedes():
    rules = '''
    rule t.has {
      language python
      role pipeline
      kind database
      match kind function_definition has `psycopg2.connect($$$)`
    }
    rule t.follows {
      language python
      role sink
      kind database
      match `$C.execute($SQL, $$$)` follows `psycopg2.connect($$$)`
    }
    rule t.precedes {
      language python
      role source
      kind database
      match `$C.execute($SQL)` precedes `$DF.to_sql($$$)`
    }
    rule t.not-follows {
      language python
      role source
      kind file
      match `pandas.read_csv($$$)` not follows `psycopg2.connect($$$)`
    }
    '''
    findings = run(rules, ETL, "python")
    assert lines(findings, "t.has") == [19]
    assert lines(findings, "t.follows") == [22, 23]
    assert lines(findings, "t.precedes") == [22]
    assert lines(findings, "t.not-follows") == [12]


def test_all_any_not():
    rules = '''
    rule t.all {
      language python
      role sink
      kind database
      match all {
        `$C.execute($SQL, $$$)`
        not `$C.execute($SQL)`
      }
    }
    '''
    assert lines(run(rules, ETL, "python")) == [23]


def test_constraints_regex_one_of_and_string():
    rules = '''
    rule t.regex {
      language python
      role sink
      kind database
      match `$C.execute($SQL, $$$)`
      where $SQL matching /(?i)^insert/
    }
    rule t.one-of {
      language python
      role sink
      kind database
      match `$DF.to_sql($T, $$$)`
      where $T in ["safe_orders", "other"]
    }
    rule t.string {
      language python
      role source
      kind file
      match `pandas.read_csv($P, $$$)`
      where $P is string
    }
    rule t.not-string {
      language python
      role source
      kind config
      match `os.environ[$K]`
      where $K is not string
    }
    '''
    findings = run(rules, ETL, "python")
    assert lines(findings, "t.regex") == [23]
    assert lines(findings, "t.one-of") == [26]
    assert lines(findings, "t.string") == [12]  # an f-string is a string literal
    assert lines(findings, "t.not-string") == []


def test_named_patterns_are_shared_by_rules():
    rules = '''
    define t.db-call = any {
      `$C.execute($SQL, $$$)`
      `pandas.read_sql($SQL, $$$)`
    }
    rule t.a {
      language python
      role source
      kind database
      match t.db-call
    }
    rule t.b {
      language python
      role source
      kind database
      match t.db-call inside kind with_statement
    }
    '''
    findings = run(rules, ETL, "python")
    assert lines(findings, "t.a") == [22, 23]
    assert lines(findings, "t.b") == [22, 23]


def test_node_kind_with_text_regex_and_raw_query():
    rules = '''
    rule t.kind {
      language python
      role source
      kind config
      match kind string matching /^"s3:/
    }
    rule t.query {
      language python
      role source
      kind file
      match query ``(call function: (identifier) @fn (#eq? @fn "read_parquet") arguments: (argument_list (string) @PATH)) @match``
      entity file = $PATH
      message "parquet {PATH}"
    }
    '''
    findings = run(rules, ETL, "python")
    assert lines(findings, "t.kind") == [13]
    [query] = [f for f in findings if f.rule_id == "t.query"]
    assert (query.start.line, query.message) == (13, "parquet s3://shop-lake/products.parquet")
    assert query.entities[0].name == "s3://shop-lake/products.parquet"


def test_entity_from_keyword_argument_and_default_access():
    rules = '''
    rule t.consumer {
      language python
      role source
      kind stream
      tech kafka-python
      match `kafka.KafkaConsumer($$$)`
      entity topic = keyword topic
      entity url = keyword bootstrap_servers both
    }
    '''
    code = '''
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(
        topic="order-events",
        bootstrap_servers="kafka:9092",
    )
    '''
    [finding] = run(rules, code, "python")
    assert finding.start.line == 4
    assert [(e.type, e.name, e.access) for e in finding.entities] == [
        ("topic", "order-events", "read"),
        ("url", "kafka:9092", "both"),
    ]


def test_suppression_comment_hides_a_finding():
    code = ETL.replace(
        'legacy = load_json_frame("legacy/orders.json")',
        'legacy = load_json_frame("legacy/orders.json")  # flowscan: ignore[t.read]',
    )
    assert lines(run(READS, code, "python")) == [12, 13]


def test_secrets_are_redacted_in_messages_and_entities():
    rules = '''
    rule t.engine {
      language python
      role connection
      kind database
      match `sqlalchemy.create_engine($URL, $$$)`
      entity dsn = $URL
      message "engine for {URL}"
    }
    '''
    code = 'from sqlalchemy import create_engine\ne = create_engine("postgresql://etl:hunter2@db:5432/shop")\n'
    [finding] = run(rules, code, "python")
    assert "hunter2" not in finding.message and "hunter2" not in finding.entities[0].name
    assert finding.message == "engine for postgresql://etl:***@db:5432/shop"


def test_column_is_counted_in_characters():
    code = 'note = "héllo"; df = pd.read_csv("ü.csv")\n'
    [finding] = run(READS, code, "python")
    assert (finding.start.line, finding.start.column) == (1, 22)


def test_raw_query_errors_name_their_position_and_spare_the_other_rules():
    from flowscan.compiler import Compiler
    from flowscan.grammar import parse_pack

    text = (
        "rule t.ok {\n  language sql\n  role source\n  kind database\n"
        "  match query ``(relation (object_reference) @T) @match``\n}\n"
        "rule t.bad {\n  language sql\n  role source\n  kind database\n"
        "  match query ``(relation (no_such_kind) @T) @match``\n}\n"
        "rule t.tested {\n  language sql\n  role source\n  kind database\n"
        "  match kind relation inside query ``(nope) @match``\n}\n"
    )
    pack, errors = parse_pack(text, "team.fsr")
    assert pack is not None and not errors
    compiler = Compiler([pack])
    rules = compiler.compile()
    assert [str(e).split(": this query")[0] for e in compiler.errors] == ["team.fsr:17:36", "team.fsr:11:15"]
    assert all("does not compile for sql" in str(e) for e in compiler.errors)
    from flowscan.analyze import analyze

    findings = analyze(b"SELECT * FROM orders;", "q.sql", "sql", rules)
    assert [f.rule_id for f in findings] == ["t.ok"]


def test_generic_type_arguments_and_entities_bound_to_constants():
    rules = '''
    rule t.consumer {
      language java
      role connection
      kind stream
      match `new KafkaConsumer($$$)`
    }
    rule t.send {
      language java
      role sink
      kind stream
      match `$T.send($TOPIC, $$$)`
      entity topic = $TOPIC
    }
    '''
    code = '''
    class Relay {
        private static final String INVOICES = "invoice-events";

        void relay(Properties props, KafkaTemplate<String, String> template) {
            KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props);
            template.send(INVOICES, "payload");
        }
    }
    '''
    findings = run(rules, code, "java")
    assert lines(findings, "t.consumer") == [6]
    [send] = [f for f in findings if f.rule_id == "t.send"]
    assert [(e.type, e.name) for e in send.entities] == [("topic", "invoice-events")]


def test_backslash_continuations_do_not_break_a_method_chain():
    rules = '''
    rule t.load {
      language python
      role source
      kind file
      match `$R.load($PATH)`
      where $R matching /read/
    }
    '''
    code = 'events = spark \\\n    .read \\\n    .format("json") \\\n    .load("s3://lake/events/")\n'
    assert lines(run(rules, code, "python")) == [1]
