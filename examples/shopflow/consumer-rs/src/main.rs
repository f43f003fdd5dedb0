//! Consumes `order-events`, keeps per-order facts in Postgres, notifies the
//! loyalty service about big orders and exposes a few counters on /metrics.

mod store;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::Context;
use axum::{extract::State, routing::get, Router};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::Message;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct OrderEvent {
    pub id: String,
    pub customer_id: String,
    pub currency: String,
    pub total_cents: i64,
}

#[derive(Default)]
struct Counters {
    consumed: AtomicU64,
    failed: AtomicU64,
}

struct Settings {
    brokers: String,
    loyalty_url: String,
    big_order_cents: i64,
}

fn load_settings(path: &str) -> anyhow::Result<Settings> {
    let raw = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
    let value: serde_json::Value = serde_json::from_str(&raw)?;
    Ok(Settings {
        brokers: value["brokers"].as_str().unwrap_or("kafka:9092").to_string(),
        loyalty_url: value["loyalty_url"].as_str().unwrap_or_default().to_string(),
        big_order_cents: value["big_order_cents"].as_i64().unwrap_or(50_000),
    })
}

async fn metrics(State(counters): State<Arc<Counters>>) -> String {
    format!(
        "orders_consumed {}\norders_failed {}\n",
        counters.consumed.load(Ordering::Relaxed),
        counters.failed.load(Ordering::Relaxed)
    )
}

async fn notify_loyalty(client: &reqwest::Client, url: &str, event: &OrderEvent) -> anyhow::Result<()> {
    client
        .post(url)
        .json(&serde_json::json!({ "customer": event.customer_id, "order": event.id }))
        .send()
        .await?
        .error_for_status()?;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = load_settings("config/consumer.json")?;
    let database_url = std::env::var("DATABASE_URL").context("DATABASE_URL must be set")?;
    let store = store::FactStore::connect(&database_url).await?;
    let http = reqwest::Client::new();
    let counters = Arc::new(Counters::default());

    let app = Router::new()
        .route("/metrics", get(metrics))
        .with_state(counters.clone());
    let listener = tokio::net::TcpListener::bind("0.0.0.0:9100").await?;
    tokio::spawn(async move { axum::serve(listener, app).await });

    let consumer: StreamConsumer = ClientConfig::new()
        .set("group.id", "order-facts")
        .set("bootstrap.servers", &settings.brokers)
        .set("enable.auto.commit", "false")
        .create()?;
    consumer.subscribe(&["order-events"])?;

    loop {
        let msg = consumer.recv().await?;
        let Some(payload) = msg.payload() else { continue };
        match serde_json::from_slice::<OrderEvent>(payload) {
            Ok(event) => {
                // redelivered events update the same row: order-events is read at least once
                sqlx::query(
                    "INSERT INTO order_facts (order_id, customer_id, currency, total_cents, seen_at) \
                     VALUES ($1, $2, $3, $4, now()) \
                     ON CONFLICT (order_id) DO UPDATE SET total_cents = EXCLUDED.total_cents",
                )
                .bind(&event.id)
                .bind(&event.customer_id)
                .bind(&event.currency)
                .bind(event.total_cents)
                .execute(&store.pool)
                .await?;
                if event.total_cents >= settings.big_order_cents {
                    if let Err(err) = notify_loyalty(&http, &settings.loyalty_url, &event).await {
                        eprintln!("loyalty notification failed for {}: {err:#}", event.id);
                    }
                }
                counters.consumed.fetch_add(1, Ordering::Relaxed);
            }
            Err(err) => {
                counters.failed.fetch_add(1, Ordering::Relaxed);
                store::quarantine(payload, &err.to_string())?;
            }
        }
        consumer.commit_message(&msg, CommitMode::Async)?;
    }
}
