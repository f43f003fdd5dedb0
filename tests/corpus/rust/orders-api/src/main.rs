use std::env;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    routing::{get, post},
    Json, Router,
};
use chrono::NaiveDate;
use serde::Deserialize;
use sqlx::postgres::PgPoolOptions;
use tracing::{error, info};

mod cache;
mod db;
mod payments;

use db::{DailyTotal, NewOrder, Order, OrderRepo, OrderView};

struct AppState {
    repo: OrderRepo,
    cache: cache::OrderCache,
    payments: payments::PaymentsClient,
}

type Shared = Arc<AppState>;

type ApiResult<T> = Result<T, StatusCode>;

fn internal(err: impl std::fmt::Display) -> StatusCode {
    error!(error = %err, "request failed");
    StatusCode::INTERNAL_SERVER_ERROR
}

#[derive(Deserialize)]
struct Page {
    limit: Option<i64>,
    since: Option<NaiveDate>,
}

async fn list_orders(State(state): State<Shared>, Query(page): Query<Page>) -> ApiResult<Json<Vec<OrderView>>> {
    let limit = page.limit.unwrap_or(50).clamp(1, 500);
    state.repo.recent(limit).await.map(Json).map_err(internal)
}

async fn get_order(State(state): State<Shared>, Path(id): Path<i64>) -> ApiResult<Json<Order>> {
    if let Some(order) = state.cache.get(id).await.map_err(internal)? {
        return Ok(Json(order));
    }
    let order = state.repo.find(id).await.map_err(internal)?.ok_or(StatusCode::NOT_FOUND)?;
    state.cache.put(&order).await.map_err(internal)?;
    Ok(Json(order))
}

async fn create_order(State(state): State<Shared>, Json(new): Json<NewOrder>) -> ApiResult<(StatusCode, Json<Order>)> {
    let order = state.repo.create(&new).await.map_err(internal)?;
    Ok((StatusCode::CREATED, Json(order)))
}

async fn pay_order(State(state): State<Shared>, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    let order = state.repo.find(id).await.map_err(internal)?.ok_or(StatusCode::NOT_FOUND)?;
    let charge = state.payments.charge(order.id, order.total_cents).await.map_err(internal)?;
    if state.repo.mark_paid(order.id, &charge.id).await.map_err(internal)? == 0 {
        return Ok(StatusCode::CONFLICT);
    }
    state.cache.invalidate(order.id).await.map_err(internal)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn daily_report(State(state): State<Shared>, Query(q): Query<Page>) -> ApiResult<Json<Vec<DailyTotal>>> {
    let since = q.since.unwrap_or_else(|| chrono::Utc::now().date_naive() - chrono::Days::new(30));
    state.repo.daily_totals(since).await.map(Json).map_err(internal)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt::init();
    let database_url = env::var("DATABASE_URL")?;
    let redis_url = env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/0".into());
    let payments_url = env::var("PAYMENTS_API_URL")?;
    let bind: SocketAddr = env::var("BIND_ADDR").unwrap_or_else(|_| "0.0.0.0:8080".into()).parse()?;

    let pool = PgPoolOptions::new()
        .max_connections(10)
        .acquire_timeout(Duration::from_secs(5))
        .connect(&database_url)
        .await?;

    let state = Arc::new(AppState {
        repo: OrderRepo::new(pool),
        cache: cache::OrderCache::connect(&redis_url)?,
        payments: payments::PaymentsClient::new(&payments_url)?,
    });

    let app = Router::new()
        .route("/orders", get(list_orders).post(create_order))
        .route("/orders/:id", get(get_order))
        .route("/orders/:id/pay", post(pay_order))
        .route("/reports/daily", get(daily_report))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(state);

    info!(addr = %bind, "orders-api listening");
    let listener = tokio::net::TcpListener::bind(bind).await?;
    axum::serve(listener, app).await?;
    Ok(())
}
