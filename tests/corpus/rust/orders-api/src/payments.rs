use std::time::Duration;

use reqwest::{Client, StatusCode};
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
struct ChargeRequest<'a> {
    order_id: i64,
    amount_cents: i64,
    currency: &'a str,
}

#[derive(Debug, Deserialize)]
pub struct Charge {
    pub id: String,
    pub status: String,
}

#[derive(Clone)]
pub struct PaymentsClient {
    http: Client,
    base_url: String,
}

impl PaymentsClient {
    pub fn new(base_url: &str) -> reqwest::Result<Self> {
        let http = Client::builder()
            .timeout(Duration::from_secs(10))
            .user_agent("orders-api/1.4")
            .build()?;
        Ok(Self { http, base_url: base_url.trim_end_matches('/').to_string() })
    }

    pub async fn charge(&self, order_id: i64, amount_cents: i64) -> anyhow::Result<Charge> {
        let body = ChargeRequest { order_id, amount_cents, currency: "EUR" };
        let resp = self
            .http
            .post(format!("{}/v2/charges", self.base_url))
            .header("Idempotency-Key", format!("order-{order_id}"))
            .json(&body)
            .send()
            .await?;
        match resp.status() {
            StatusCode::OK | StatusCode::CREATED => Ok(resp.json().await?),
            StatusCode::PAYMENT_REQUIRED => anyhow::bail!("payment declined for order {order_id}"),
            other => anyhow::bail!("payments api returned {other}"),
        }
    }

    pub async fn status(&self, charge_id: &str) -> anyhow::Result<Charge> {
        let url = format!("{}/v2/charges/{}", self.base_url, charge_id);
        let charge = self.http.get(&url).send().await?.error_for_status()?.json().await?;
        Ok(charge)
    }
}
