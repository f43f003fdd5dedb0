use futures::TryStreamExt;
use mongodb::bson::{doc, DateTime};
use mongodb::options::{ClientOptions, FindOptions};
use mongodb::{Client, Collection};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
pub struct Review {
    pub sku: String,
    pub author: String,
    pub rating: u8,
    pub body: String,
    pub created_at: DateTime,
}

#[derive(Debug, Deserialize)]
pub struct NewReview {
    pub author: String,
    pub rating: u8,
    pub body: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct RatingSummary {
    #[serde(rename = "_id")]
    pub sku: String,
    pub average: f64,
    pub count: i64,
}

pub struct ReviewStore {
    reviews: Collection<Review>,
}

impl ReviewStore {
    pub async fn connect(uri: &str) -> mongodb::error::Result<Self> {
        let mut options = ClientOptions::parse(uri).await?;
        options.app_name = Some("catalog-service".to_string());
        let client = Client::with_options(options)?;
        let reviews = client.database("catalog").collection::<Review>("reviews");
        Ok(Self { reviews })
    }

    pub async fn for_product(&self, sku: &str) -> mongodb::error::Result<Vec<Review>> {
        let options = FindOptions::builder().sort(doc! { "created_at": -1 }).limit(50).build();
        let cursor = self.reviews.find(doc! { "sku": sku }, options).await?;
        cursor.try_collect().await
    }

    pub async fn add(&self, sku: &str, new: NewReview) -> mongodb::error::Result<()> {
        let review = Review {
            sku: sku.to_string(),
            author: new.author,
            rating: new.rating.clamp(1, 5),
            body: new.body,
            created_at: DateTime::now(),
        };
        self.reviews.insert_one(review, None).await?;
        Ok(())
    }

    pub async fn rating_summaries(&self) -> mongodb::error::Result<Vec<RatingSummary>> {
        let pipeline = vec![
            doc! { "$group": { "_id": "$sku", "average": { "$avg": "$rating" }, "count": { "$sum": 1 } } },
            doc! { "$sort": { "average": -1 } },
        ];
        let mut cursor = self.reviews.aggregate(pipeline, None).await?;
        let mut summaries = Vec::new();
        while let Some(row) = cursor.try_next().await? {
            summaries.push(mongodb::bson::from_document(row)?);
        }
        Ok(summaries)
    }
}
