use std::path::Path;

use aws_config::BehaviorVersion;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::Client;
use chrono::NaiveDate;

pub struct Uploader {
    s3: Client,
    bucket: String,
}

impl Uploader {
    pub async fn new(bucket: &str) -> Self {
        let config = aws_config::defaults(BehaviorVersion::latest()).load().await;
        Self { s3: Client::new(&config), bucket: bucket.to_string() }
    }

    /// Treasury drops each day's FX rates in its own bucket; the export reads a local copy.
    pub async fn fetch_rates(&self, day: NaiveDate, target: &Path) -> anyhow::Result<()> {
        let object = self
            .s3
            .get_object()
            .bucket("treasury-fx-rates")
            .key(format!("daily/{day}.csv"))
            .send()
            .await?;
        let bytes = object.body.collect().await?.into_bytes();
        tokio::fs::write(target, &bytes).await?;
        Ok(())
    }

    pub async fn upload(&self, path: &Path) -> anyhow::Result<()> {
        let body = tokio::fs::read(path).await?;
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("export.bin");
        let content_type = if name.ends_with(".json") { "application/json" } else { "text/csv" };
        self.s3
            .put_object()
            .bucket(&self.bucket)
            .key(format!("ledger/{name}"))
            .content_type(content_type)
            .body(ByteStream::from(body))
            .send()
            .await?;
        Ok(())
    }

    pub async fn list(&self, prefix: &str) -> anyhow::Result<Vec<String>> {
        let resp = self.s3.list_objects_v2().bucket(&self.bucket).prefix(prefix).send().await?;
        Ok(resp.contents().iter().filter_map(|o| o.key().map(str::to_string)).collect())
    }
}
