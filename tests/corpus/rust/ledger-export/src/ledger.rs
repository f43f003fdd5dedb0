use std::path::Path;
use std::time::Duration;

use chrono::NaiveDate;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

#[derive(Debug)]
pub struct Entry {
    pub account: String,
    pub currency: String,
    pub debit_cents: i64,
    pub credit_cents: i64,
    pub entries: i64,
}

const DAILY_BALANCES: &str = "
    SELECT a.code, a.currency, SUM(e.debit_cents), SUM(e.credit_cents), COUNT(*)
    FROM entries e
    JOIN accounts a ON a.id = e.account_id
    WHERE e.booked_on = ?1
    GROUP BY a.code, a.currency
    ORDER BY a.code";

pub struct Ledger {
    conn: Connection,
}

impl Ledger {
    pub fn open(path: &Path) -> rusqlite::Result<Self> {
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS export_runs (
                day TEXT PRIMARY KEY,
                row_count INTEGER NOT NULL,
                finished_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
            )",
        )?;
        Ok(Self { conn })
    }

    pub fn daily_balances(&self, day: NaiveDate) -> rusqlite::Result<Vec<Entry>> {
        let mut stmt = self.conn.prepare(DAILY_BALANCES)?;
        let rows = stmt.query_map(params![day.to_string()], |row| {
            Ok(Entry {
                account: row.get(0)?,
                currency: row.get(1)?,
                debit_cents: row.get(2)?,
                credit_cents: row.get(3)?,
                entries: row.get(4)?,
            })
        })?;
        rows.collect()
    }

    pub fn already_exported(&self, day: NaiveDate) -> rusqlite::Result<bool> {
        let found: Option<i64> = self
            .conn
            .query_row("SELECT 1 FROM export_runs WHERE day = ?1", params![day.to_string()], |r| r.get(0))
            .optional()?;
        Ok(found.is_some())
    }

    pub fn record_run(&self, day: NaiveDate, rows: usize) -> rusqlite::Result<()> {
        self.conn.execute(
            "INSERT OR REPLACE INTO export_runs (day, row_count) VALUES (?1, ?2)",
            params![day.to_string(), rows as i64],
        )?;
        Ok(())
    }
}
