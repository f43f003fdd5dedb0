use lapin::options::{BasicPublishOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};
use serde_json::json;

const QUEUE: &str = "customer-notifications";

pub struct Notifier {
    _conn: Connection,
    channel: Channel,
}

impl Notifier {
    pub async fn connect(url: &str) -> lapin::Result<Self> {
        let conn = Connection::connect(url, ConnectionProperties::default()).await?;
        let channel = conn.create_channel().await?;
        let durable = QueueDeclareOptions { durable: true, ..Default::default() };
        channel.queue_declare(QUEUE, durable, FieldTable::default()).await?;
        Ok(Self { _conn: conn, channel })
    }

    pub async fn order_paid(&self, order_id: i64, email: &str) -> lapin::Result<()> {
        let body = json!({ "template": "order_paid", "order_id": order_id, "to": email }).to_string();
        self.channel
            .basic_publish(
                "",
                QUEUE,
                BasicPublishOptions::default(),
                body.as_bytes(),
                BasicProperties::default().with_delivery_mode(2),
            )
            .await?
            .await?;
        Ok(())
    }
}
