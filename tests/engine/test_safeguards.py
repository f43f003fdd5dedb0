"""Absence checks: writes to warehouses, lakes and topics that nothing protects."""

from __future__ import annotations

import textwrap

from snippets import compile_rules

from flowscan.analyze import analyze_file

RULES = '''
rule t.read {
  language python
  role source
  kind file
  match `pandas.read_csv($P, $$$)`
}
rule t.load {
  language python
  role sink
  kind database
  match `$DF.to_sql($T, $$$)`
  entity table = $T
}
rule t.go.exec {
  language go
  role sink
  kind database
  match `$DB.ExecContext($CTX, $SQL, $$$)`
}
'''


def absences(code: str, language: str = "python") -> list[tuple[int, str, str]]:
    rules = compile_rules(RULES)
    rules.checks = {"pipeline.unguarded-write": "warning", "pipeline.unvalidated-write": "warning"}
    found = analyze_file(textwrap.dedent(code).encode(), "job", language, rules).findings
    return [(f.start.line, f.rule_id, f.message) for f in found if f.rule_id.startswith("pipeline.")]


def test_a_batch_load_with_no_safeguard_gets_both_warnings():
    code = '''
    import pandas as pd

    def load(engine):
        frame = pd.read_csv("exports/daily.csv")
        frame.to_sql("daily_sales", engine)
    '''
    assert absences(code) == [
        (6, "pipeline.unguarded-write", "writes daily_sales with no error handling or retry"),
        (6, "pipeline.unvalidated-write", "writes daily_sales with no data-quality check before it"),
    ]


def test_try_retry_and_validation_are_recognised():
    code = '''
    import pandas as pd
    from tenacity import retry, stop_after_attempt

    @retry(stop=stop_after_attempt(3))
    def load_with_retry(engine):
        frame = pd.read_csv("exports/daily.csv")
        assert frame["amount"].notnull().all(), "amounts must be present"
        frame.to_sql("daily_sales", engine)

    def load_in_try(engine, log):
        frame = pd.read_csv("exports/daily.csv")
        try:
            frame.to_sql("daily_sales", engine)
        except Exception:
            log.exception("load failed")
            raise
    '''
    assert absences(code) == [
        (14, "pipeline.unvalidated-write", "writes daily_sales with no data-quality check before it"),
    ]


def test_a_write_of_request_data_needs_no_data_quality_check():
    code = '''
    def save(frame, engine):
        frame.to_sql("submissions", engine)
    '''
    assert absences(code) == [(3, "pipeline.unguarded-write", "writes submissions with no error handling or retry")]


def test_go_error_checks_count_as_error_handling():
    code = '''
    package store

    func Save(ctx context.Context, db *sql.DB, id string) error {
    	if _, err := db.ExecContext(ctx, "INSERT INTO orders (id) VALUES ($1)", id); err != nil {
    		return err
    	}
    	_, err := db.ExecContext(ctx, "DELETE FROM carts WHERE id = $1", id)
    	if err != nil {
    		return fmt.Errorf("clear cart: %w", err)
    	}
    	db.ExecContext(ctx, "UPDATE stats SET n = n + 1")
    	return nil
    }
    '''
    assert absences(code, "go") == [(12, "pipeline.unguarded-write", "writes its target with no error handling or retry")]
