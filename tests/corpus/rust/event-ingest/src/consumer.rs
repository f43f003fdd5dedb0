use std::sync::Arc;
use std::time::Duration;

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::producer::{FutureProducer, FutureRecord};
use serde::{Deserialize, Serialize};
use tracing::{info, warn};

use crate::notify::Notifier;
use crate::store::EventStore;
use crate::Settings;

#[derive(Debug, Deserialize, Serialize)]
pub struct OrderEvent {
    pub event_id: String,
    pub order_id: i64,
    pub kind: String,
    pub amount_cents: Option<i64>,
    pub customer_email: Option<String>,
}

fn build_consumer(settings: &Settings) -> anyhow::Result<StreamConsumer> {
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", &settings.brokers)
        .set("group.id", &settings.group_id)
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        .create()?;
    consumer.subscribe(&["order-events", "payment-events"])?;
    Ok(consumer)
}

fn build_producer(settings: &Settings) -> anyhow::Result<FutureProducer> {
    let producer = ClientConfig::new()
        .set("bootstrap.servers", &settings.brokers)
        .set("message.timeout.ms", "5000")
        .create()?;
    Ok(producer)
}

pub async fn run(settings: Settings, store: Arc<EventStore>, notifier: Notifier) -> anyhow::Result<()> {
    let consumer = build_consumer(&settings)?;
    let producer = build_producer(&settings)?;
    info!(group = %settings.group_id, "ingest consumer started");
    loop {
        let msg = match consumer.recv().await {
            Ok(msg) => msg,
            Err(err) => {
                warn!(%err, "kafka receive failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if let Err(err) = handle(&msg, &store, &producer, &notifier).await {
            warn!(%err, topic = msg.topic(), offset = msg.offset(), "event failed, parking it");
            store.park(msg.topic(), msg.payload().unwrap_or_default(), &err.to_string()).await?;
        }
        consumer.commit_message(&msg, CommitMode::Async)?;
    }
}

async fn handle(
    msg: &BorrowedMessage<'_>,
    store: &EventStore,
    producer: &FutureProducer,
    notifier: &Notifier,
) -> anyhow::Result<()> {
    let payload = msg.payload().ok_or_else(|| anyhow::anyhow!("empty message"))?;
    let event: OrderEvent = serde_json::from_slice(payload)?;
    if !store.record(msg.topic(), &event).await? {
        return Ok(()); // redelivered: already stored and forwarded
    }
    let key = event.order_id.to_string();
    let body = serde_json::to_vec(&event)?;
    producer
        .send(
            FutureRecord::to("order-events-enriched").key(&key).payload(&body),
            Duration::from_secs(5),
        )
        .await
        .map_err(|(err, _)| err)?;
    if event.kind == "order_paid" {
        if let Some(email) = &event.customer_email {
            notifier.order_paid(event.order_id, email).await?;
        }
    }
    Ok(())
}
