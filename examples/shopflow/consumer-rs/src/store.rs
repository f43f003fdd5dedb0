//! Postgres access for the consumer (one row per order in `order_facts`, written by the
//! consume loop in main.rs) and the quarantine for messages it cannot decode.

use std::fs::File;
use std::io::Write;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::query_as;

pub struct FactStore {
    pub pool: PgPool,
}

#[derive(Debug, sqlx::FromRow)]
pub struct DailyTotal {
    pub day: chrono::NaiveDate,
    pub orders: i64,
    pub revenue_cents: i64,
}

impl FactStore {
    pub async fn connect(database_url: &str) -> anyhow::Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(5)
            .connect(database_url)
            .await?;
        Ok(Self { pool })
    }

    pub async fn daily_totals(&self, days: i32) -> anyhow::Result<Vec<DailyTotal>> {
        let rows = query_as::<_, DailyTotal>(
            "SELECT seen_at::date AS day, count(*) AS orders, sum(total_cents) AS revenue_cents \
             FROM order_facts WHERE seen_at > now() - make_interval(days => $1) \
             GROUP BY 1 ORDER BY 1",
        )
        .bind(days)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }
}

/// Keeps undecodable messages on disk so they can be inspected and replayed.
pub fn quarantine(payload: &[u8], reason: &str) -> std::io::Result<()> {
    let name = format!("quarantine-{}.bin", std::process::id());
    let mut file = File::create(&name)?;
    file.write_all(payload)?;
    let mut note = std::fs::File::create(format!("{name}.why"))?;
    writeln!(note, "{reason}")
}

/// Reads a quarantined message back, for the replay tool.
pub fn read_quarantined(name: &str) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut file = File::open(name)?;
    std::io::Read::read_to_end(&mut file, &mut buf)?;
    Ok(buf)
}
