"""Data followed within functions: from a read, through names and transforms, to a write."""

from __future__ import annotations

from snippets import link_lines, run_links

PY_RULES = '''
rule t.read {
  language python
  role source
  kind file
  match `pandas.read_csv($P, $$$)`
}
rule t.merge {
  language python
  role transform
  kind file
  match `$DF.merge($$$)`
}
rule t.write {
  language python
  role sink
  kind file
  match `$DF.to_parquet($$$)`
}
rule t.query {
  language python
  role source
  kind database
  match `$C.execute($SQL, $$$)`
}
rule t.send {
  language python
  role sink
  kind stream
  match `$P.send($T, $$$)`
}
'''


def test_python_assignments_chains_and_transforms():
    code = '''
    import pandas as pd


    def daily(day):
        orders = pd.read_csv(f"orders-{day}.csv")
        customers = pd.read_csv("customers.csv")
        unrelated = pd.DataFrame({"x": [1]})
        enriched = orders.merge(customers, on="customer_id")
        enriched.to_parquet("out/enriched.parquet")
        unrelated.to_parquet("out/other.parquet")
    '''
    findings, links = run_links(PY_RULES, code, "python")
    assert link_lines(links) == [
        (6, 9, [6, 9]),
        (6, 10, [6, 9, 10]),
        (7, 9, [7, 9]),
        (7, 10, [7, 9, 10]),
        (9, 10, [9, 10]),
    ]


def test_python_cursor_results_through_a_loop_into_a_producer():
    code = '''
    def relay(conn, producer):
        cur = conn.cursor()
        cur.execute("SELECT id, total FROM orders WHERE exported = false")
        for row in cur.fetchall():
            payload = {"id": row[0], "total": row[1]}
            producer.send("order-events", value=payload)
        producer.send("heartbeat", value={"alive": True})
    '''
    _, links = run_links(PY_RULES, code, "python")
    assert link_lines(links) == [(4, 7, [4, 5, 6, 7])]


def test_functions_are_separate_scopes():
    code = '''
    def read():
        df = pd.read_csv("a.csv")
        return df


    def write(df):
        df.to_parquet("b.parquet")
    '''
    _, links = run_links(PY_RULES, code, "python")
    assert links == []


def test_go_rows_scanned_into_variables_then_sent():
    rules = '''
    rule t.go.query {
      language go
      role source
      kind database
      match `$DB.QueryContext($CTX, $SQL, $$$)`
    }
    rule t.go.write {
      language go
      role sink
      kind stream
      match `$W.WriteMessages($CTX, $$$)`
    }
    '''
    code = '''
    package relay

    func Relay(ctx context.Context, db *sql.DB, w *kafka.Writer) error {
    	rows, err := db.QueryContext(ctx, "SELECT id, total FROM orders")
    	if err != nil {
    		return err
    	}
    	defer rows.Close()
    	for rows.Next() {
    		var id string
    		var total int64
    		if err := rows.Scan(&id, &total); err != nil {
    			return err
    		}
    		msg := kafka.Message{Key: []byte(id), Value: encode(total)}
    		if err := w.WriteMessages(ctx, msg); err != nil {
    			return err
    		}
    	}
    	return nil
    }
    '''
    _, links = run_links(rules, code, "go")
    assert link_lines(links) == [(5, 17, [5, 13, 16, 17])]


def test_java_result_set_into_a_template_send():
    rules = '''
    rule t.java.query {
      language java
      role source
      kind database
      match `$S.executeQuery($$$)`
    }
    rule t.java.send {
      language java
      role sink
      kind stream
      match `$K.send($T, $$$)`
    }
    '''
    code = '''
    class Exporter {
        void export(Connection conn) throws SQLException {
            try (Statement stmt = conn.createStatement()) {
                ResultSet rs = stmt.executeQuery("SELECT id, amount FROM invoices");
                while (rs.next()) {
                    String id = rs.getString("id");
                    kafka.send("invoices", id);
                }
            }
        }
    }
    '''
    _, links = run_links(rules, code, "java")
    assert link_lines(links) == [(5, 8, [5, 7, 8])]


def test_rust_rows_iterated_into_a_file():
    rules = '''
    rule t.rs.query {
      language rust
      role source
      kind database
      match `sqlx::query($SQL)`
    }
    rule t.rs.write {
      language rust
      role sink
      kind file
      match `$W.write_record($$$)`
    }
    '''
    code = '''
    async fn export(pool: &PgPool, out: &mut csv::Writer<File>) -> anyhow::Result<()> {
        let rows = sqlx::query("SELECT id, total FROM order_facts")
            .fetch_all(pool)
            .await?;
        for row in rows {
            let id: i64 = row.get("id");
            out.write_record(&[id.to_string()])?;
        }
        Ok(())
    }
    '''
    _, links = run_links(rules, code, "rust")
    assert link_lines(links) == [(3, 8, [3, 6, 7, 8])]


def test_sql_statement_reads_flow_into_its_write():
    rules = '''
    rule t.sql {
      language sql
      role source
      kind database
      match kind statement not inside kind statement
      sql
    }
    '''
    code = """\
INSERT INTO daily_totals (day, total)
SELECT o.day, sum(o.total)
FROM orders o
JOIN refunds r ON r.order_id = o.id
GROUP BY o.day;
"""
    findings, links = run_links(rules, code, "sql")
    pairs = sorted((l.source.start.line, l.source.role, l.target.start.line, l.target.role) for l in links)
    assert (3, "source", 1, "sink") in pairs and (4, "source", 1, "sink") in pairs
    assert (5, "transform", 1, "sink") in pairs
