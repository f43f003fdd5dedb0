#[macro_use]
extern crate rocket;

use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::State;

mod db;
mod reviews;
mod schema;
mod search;

use db::{DbPool, LowStock, NewProduct, PgConn, Product, StockMove};
use reviews::{NewReview, RatingSummary, Review, ReviewStore};
use search::SearchIndex;

/// Runs a blocking diesel call on the pool, off the async executor.
async fn with_conn<T, F>(pool: &DbPool, f: F) -> Result<T, Status>
where
    F: FnOnce(&mut PgConn) -> diesel::QueryResult<T> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    rocket::tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().map_err(|_| Status::ServiceUnavailable)?;
        f(&mut conn).map_err(|err| match err {
            diesel::result::Error::NotFound => Status::NotFound,
            _ => Status::InternalServerError,
        })
    })
    .await
    .map_err(|_| Status::InternalServerError)?
}

#[get("/products")]
async fn list_products(pool: &State<DbPool>) -> Result<Json<Vec<Product>>, Status> {
    with_conn(pool, db::list_products).await.map(Json)
}

#[get("/products/<sku>")]
async fn product(pool: &State<DbPool>, sku: String) -> Result<Json<Product>, Status> {
    with_conn(pool, move |c| db::find_product(c, &sku)).await.map(Json)
}

#[post("/products", format = "json", data = "<new>")]
async fn create_product(pool: &State<DbPool>, index: &State<SearchIndex>, new: Json<NewProduct>) -> Result<(Status, Json<Product>), Status> {
    let product = with_conn(pool, move |c| db::insert_product(c, &new)).await?;
    if let Err(err) = index.upsert(&product).await {
        warn!("search indexing failed for {}: {err}", product.sku);
    }
    Ok((Status::Created, Json(product)))
}

#[put("/products/<sku>/stock", format = "json", data = "<mv>")]
async fn adjust_stock(pool: &State<DbPool>, sku: String, mv: Json<StockMove>) -> Result<Json<Product>, Status> {
    with_conn(pool, move |c| db::adjust_stock(c, &sku, mv.into_inner())).await.map(Json)
}

#[get("/reports/low-stock")]
async fn low_stock(pool: &State<DbPool>) -> Result<Json<Vec<LowStock>>, Status> {
    with_conn(pool, db::low_stock).await.map(Json)
}

#[get("/products/<sku>/reviews")]
async fn product_reviews(store: &State<ReviewStore>, sku: &str) -> Result<Json<Vec<Review>>, Status> {
    store.for_product(sku).await.map(Json).map_err(|_| Status::InternalServerError)
}

#[post("/products/<sku>/reviews", format = "json", data = "<review>")]
async fn add_review(store: &State<ReviewStore>, sku: &str, review: Json<NewReview>) -> Status {
    match store.add(sku, review.into_inner()).await {
        Ok(()) => Status::Created,
        Err(_) => Status::InternalServerError,
    }
}

#[get("/reports/ratings")]
async fn ratings(store: &State<ReviewStore>) -> Result<Json<Vec<RatingSummary>>, Status> {
    store.rating_summaries().await.map(Json).map_err(|_| Status::InternalServerError)
}

#[get("/healthz")]
async fn health(index: &State<SearchIndex>) -> Status {
    if index.healthy().await { Status::Ok } else { Status::ServiceUnavailable }
}

#[launch]
async fn rocket() -> _ {
    let database_url = std::env::var("DATABASE_URL").expect("DATABASE_URL must be set");
    let mongo_uri = std::env::var("MONGODB_URI").unwrap_or_else(|_| "mongodb://localhost:27017".into());
    let search_url = std::env::var("SEARCH_URL").unwrap_or_else(|_| "http://search:9200".into());
    let reviews = ReviewStore::connect(&mongo_uri).await.expect("mongodb");
    rocket::build()
        .manage(db::connect(&database_url))
        .manage(reviews)
        .manage(SearchIndex::new(&search_url))
        .mount("/", routes![health])
        .mount("/api", routes![list_products, product, create_product, adjust_stock, low_stock, product_reviews, add_review, ratings])
}
