use hyper::client::HttpConnector;
use hyper::{Body, Client, Method, Request, StatusCode, Uri};
use serde_json::json;

use crate::db::Product;

pub struct SearchIndex {
    client: Client<HttpConnector>,
    base: String,
}

impl SearchIndex {
    pub fn new(base: &str) -> Self {
        Self { client: Client::new(), base: base.trim_end_matches('/').to_string() }
    }

    pub async fn healthy(&self) -> bool {
        let Ok(uri) = format!("{}/_cluster/health", self.base).parse::<Uri>() else {
            return false;
        };
        match self.client.get(uri).await {
            Ok(resp) => resp.status() == StatusCode::OK,
            Err(_) => false,
        }
    }

    pub async fn upsert(&self, product: &Product) -> anyhow::Result<()> {
        let doc = json!({
            "sku": product.sku,
            "name": product.name,
            "category": product.category,
            "price": product.price_cents as f64 / 100.0,
        });
        let req = Request::builder()
            .method(Method::PUT)
            .uri(format!("{}/products/_doc/{}", self.base, product.sku))
            .header("content-type", "application/json")
            .body(Body::from(doc.to_string()))?;
        let resp = self.client.request(req).await?;
        if !resp.status().is_success() {
            let body = hyper::body::to_bytes(resp.into_body()).await?;
            anyhow::bail!("indexing {} failed: {}", product.sku, String::from_utf8_lossy(&body));
        }
        Ok(())
    }
}
