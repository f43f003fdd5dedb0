use serde::Serialize;
use tokio_postgres::{Client, Error};

use crate::consumer::OrderEvent;

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS order_events (
    event_id     TEXT PRIMARY KEY,
    topic        TEXT NOT NULL,
    order_id     BIGINT NOT NULL,
    kind         TEXT NOT NULL,
    amount_cents BIGINT,
    received_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS dead_letters (
    id       BIGSERIAL PRIMARY KEY,
    topic    TEXT NOT NULL,
    payload  BYTEA NOT NULL,
    error    TEXT NOT NULL,
    retry_at TIMESTAMPTZ
);
"#;

#[derive(Serialize)]
pub struct TopicCount {
    topic: String,
    events: i64,
}

#[derive(Serialize)]
pub struct DeadLetter {
    id: i64,
    topic: String,
    error: String,
}

pub struct EventStore {
    client: Client,
}

impl EventStore {
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    pub async fn migrate(&self) -> Result<(), Error> {
        self.client.batch_execute(SCHEMA).await
    }

    /// Stores an event once; false when it was already there (a redelivery).
    pub async fn record(&self, topic: &str, event: &OrderEvent) -> Result<bool, Error> {
        let inserted = self
            .client
            .execute(
                "INSERT INTO order_events (event_id, topic, order_id, kind, amount_cents)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_id) DO NOTHING",
                &[&event.event_id, &topic, &event.order_id, &event.kind, &event.amount_cents],
            )
            .await?;
        Ok(inserted == 1)
    }

    pub async fn park(&self, topic: &str, payload: &[u8], error: &str) -> Result<(), Error> {
        self.client
            .execute(
                "INSERT INTO dead_letters (topic, payload, error) VALUES ($1, $2, $3)",
                &[&topic, &payload, &error],
            )
            .await?;
        Ok(())
    }

    pub async fn counts_by_topic(&self) -> Result<Vec<TopicCount>, Error> {
        let rows = self
            .client
            .query("SELECT topic, count(*) AS events FROM order_events GROUP BY topic ORDER BY topic", &[])
            .await?;
        Ok(rows.iter().map(|r| TopicCount { topic: r.get("topic"), events: r.get("events") }).collect())
    }

    pub async fn dead_letters(&self, limit: i64) -> Result<Vec<DeadLetter>, Error> {
        let sql = "SELECT id, topic, error FROM dead_letters WHERE retry_at IS NULL ORDER BY id DESC LIMIT $1";
        let rows = self.client.query(sql, &[&limit]).await?;
        Ok(rows.iter().map(|r| DeadLetter { id: r.get(0), topic: r.get(1), error: r.get(2) }).collect())
    }

    pub async fn requeue(&self, limit: i64) -> Result<u64, Error> {
        self.client
            .execute("UPDATE dead_letters SET retry_at = now() WHERE retry_at IS NULL AND id <= $1", &[&limit])
            .await
    }
}
