"""SQL read by the engine: in .sql files where each effect stands, in host strings at the call."""

from __future__ import annotations

from snippets import run

EXECUTE = '''
rule t.exec {
  language python
  role source
  kind database
  tech dbapi
  match `$C.execute($SQL, $$$)`
  sql $SQL
  message "runs {SQL}"
}
'''


def summary(findings):
    return [(f.start.line, f.role, f.message, tuple(e.name for e in f.entities)) for f in findings]


def test_python_strings_multiline_constants_concatenation_and_f_strings():
    code = '''
    DAILY = """
        SELECT o.day, c.region, sum(o.total)
        FROM sales.orders o
        JOIN customers c ON c.id = o.customer_id
        GROUP BY o.day, c.region
    """


    def load(cur, table, day):
        cur.execute(DAILY)
        cur.execute("INSERT INTO daily_totals (day, total) "
                    "SELECT day, sum(total) FROM staging_orders WHERE day = %s GROUP BY day", (day,))
        query = f"DELETE FROM {table} WHERE day < %(day)s"
        cur.execute(query, {"day": day})
        cur.execute("SET search_path TO analytics")
        cur.execute(build_query(day))
    '''
    assert summary(run(EXECUTE, code, "python")) == [
        (11, "source", "reads sales.orders, customers", ("sales.orders", "customers")),
        (11, "transform", "joins and aggregates", ()),
        (12, "source", "reads staging_orders", ("staging_orders",)),
        (12, "sink", "inserts into daily_totals", ("daily_totals",)),
        (12, "transform", "aggregates", ()),
        (15, "sink", "deletes from a table named at run time", ()),
        # `SET` touches no table: nothing; a query built at run time: the rule's own finding
        (17, "source", "runs `build_query(day)`", ()),
    ]


def test_sql_entities_carry_their_access():
    code = 'cur.execute("INSERT INTO facts SELECT * FROM events")\n'
    findings = run(EXECUTE, code, "python")
    assert [(f.role, [(e.name, e.access) for e in f.entities]) for f in findings] == [
        ("source", [("events", "read")]),
        ("sink", [("facts", "write")]),
    ]


def test_java_text_blocks_and_concatenated_strings():
    rules = '''
    rule t.jdbc {
      language java
      role source
      kind database
      match `$JDBC.query($SQL, $$$)`
      sql $SQL
    }
    '''
    code = '''
    class InvoiceRepository {
        private static final String OPEN = "SELECT i.id, c.email FROM invoices i "
            + "JOIN customers c ON c.id = i.customer_id WHERE i.paid = false";

        List<Invoice> open() {
            return jdbc.query(OPEN, mapper);
        }

        List<Invoice> recent() {
            return jdbc.query("""
                SELECT * FROM invoices WHERE issued_at > now() - interval '7 days'
                """, mapper);
        }
    }
    '''
    assert summary(run(rules, code, "java")) == [
        (7, "source", "reads invoices, customers", ("invoices", "customers")),
        (7, "transform", "joins", ()),
        (11, "source", "reads invoices", ("invoices",)),
    ]


def test_go_raw_strings_and_short_variable_declarations():
    rules = '''
    rule t.go {
      language go
      role source
      kind database
      match `$DB.ExecContext($CTX, $SQL, $$$)`
      sql $SQL
    }
    '''
    code = '''
    package store

    func (s *Store) Save(ctx context.Context, o Order) error {
    	stmt := `INSERT INTO orders (id, total)
    		VALUES ($1, $2)
    		ON CONFLICT (id) DO UPDATE SET total = excluded.total`
    	_, err := s.db.ExecContext(ctx, stmt, o.ID, o.Total)
    	return err
    }
    '''
    assert summary(run(rules, code, "go")) == [(8, "sink", "inserts into orders", ("orders",))]


def test_rust_query_macros():
    rules = '''
    rule t.rs {
      language rust
      role source
      kind database
      match `sqlx::query!($SQL, $$$)`
      sql $SQL
    }
    '''
    code = '''
    async fn upsert(pool: &PgPool, f: &Fact) -> sqlx::Result<()> {
        sqlx::query!(
            "UPDATE order_facts SET total = $1 WHERE order_id = $2",
            f.total,
            f.order_id
        )
        .execute(pool)
        .await?;
        Ok(())
    }
    '''
    assert summary(run(rules, code, "rust")) == [(3, "sink", "updates order_facts", ("order_facts",))]


SQL_FILES = '''
rule t.sql {
  language sql
  role source
  kind database
  match any {
    kind statement not inside kind statement
    kind ERROR not inside kind ERROR
  }
  sql
}
'''


def test_sql_files_report_each_effect_where_it_stands_and_ctes_are_not_tables():
    code = """\
with daily as (
    select day, count(*) as n
    from events
    group by day
)
select d.day, d.n, t.target
from daily d
left join targets t on t.day = d.day;

CREATE INDEX events_day ON events (day);
COPY raw_events FROM '/data/events.csv' WITH (FORMAT csv);
merge into dim_customer t using stg_customer s on t.id = s.id
when matched then update set name = s.name;
select region, sum(amount) over (partition by region) from sales
union all
select region, 0 from regions;
"""
    assert [(f.start.line, f.role, f.message) for f in run(SQL_FILES, code, "sql")] == [
        (3, "source", "reads events"),
        (4, "transform", "aggregates"),
        (8, "transform", "joins"),
        (8, "source", "reads targets"),
        (11, "sink", "copies into raw_events"),
        (12, "sink", "merges into dim_customer"),
        (12, "source", "reads stg_customer"),
        (14, "transform", "windows"),
        (14, "source", "reads sales"),
        (15, "transform", "unions"),
        (16, "source", "reads regions"),
    ]


def test_dbt_model_names_the_tables_behind_ref_and_source():
    code = """\
{{ config(materialized='table') }}
select o.id, sum(p.amount) as paid
from {{ source('shop', 'orders') }} as o
join {{ ref('stg_payments') }} as p on p.order_id = o.id
group by o.id
"""
    found = [(f.start.line, f.role, tuple(e.name for e in f.entities)) for f in run(SQL_FILES, code, "sql")]
    assert found == [
        (3, "source", ("shop.orders",)),
        (4, "transform", ()),
        (4, "source", ("stg_payments",)),
        (5, "transform", ()),
    ]


def test_statements_swallowed_by_a_parse_error_are_read_one_by_one():
    code = """\
COPY (SELECT * FROM events.raw WHERE day = current_date - 1) TO '/exports/raw.csv' WITH (FORMAT csv);
COPY events.partner FROM '/imports/partner.csv' WITH (FORMAT csv, HEADER true);

-- the grammar folds this one into the COPY's error node
DELETE FROM events.raw
WHERE received_at < now() - interval '90 days';
"""
    assert [(f.start.line, f.role, f.message) for f in run(SQL_FILES, code, "sql")] == [
        (1, "source", "reads events.raw"),
        (2, "sink", "copies into events.partner"),
        (5, "sink", "deletes from events.raw"),
    ]


def test_truncate_drop_and_sql_with_run_time_parts():
    rules = '''
    rule t.java {
      language java
      role source
      kind database
      match `$S.executeUpdate($SQL)`
      sql $SQL
    }
    '''
    code = '''
    class Maintenance {
        void run(Statement stmt, String day) throws SQLException {
            stmt.executeUpdate("TRUNCATE TABLE staging_orders");
            stmt.executeUpdate("DROP TABLE IF EXISTS tmp_orders");
            stmt.executeUpdate("UPDATE orders SET exported = true WHERE day = '" + day + "'");
        }
    }
    '''
    assert summary(run(rules, code, "java")) == [
        (4, "sink", "truncates staging_orders", ("staging_orders",)),
        (5, "sink", "drops tmp_orders", ("tmp_orders",)),
        (6, "sink", "updates orders", ("orders",)),
    ]
