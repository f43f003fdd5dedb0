use actix_web::{get, web, App, HttpResponse, HttpServer, Responder};
use serde::Deserialize;
use tokio_postgres::NoTls;
use tracing::{error, info};

mod consumer;
mod notify;
mod store;

use store::EventStore;

#[derive(Debug, Deserialize, Clone)]
pub struct Settings {
    pub brokers: String,
    pub group_id: String,
    pub database_url: String,
    pub amqp_url: String,
    pub admin_port: u16,
}

fn load_settings() -> Result<Settings, config::ConfigError> {
    config::Config::builder()
        .add_source(config::File::with_name("config/ingest"))
        .add_source(config::Environment::with_prefix("INGEST").separator("__"))
        .build()?
        .try_deserialize()
}

#[get("/healthz")]
async fn health() -> impl Responder {
    HttpResponse::Ok().body("ok")
}

#[get("/stats")]
async fn stats(store: web::Data<EventStore>) -> impl Responder {
    match store.counts_by_topic().await {
        Ok(counts) => HttpResponse::Ok().json(counts),
        Err(err) => {
            error!(%err, "stats query failed");
            HttpResponse::InternalServerError().finish()
        }
    }
}

#[derive(Deserialize)]
struct Paging {
    limit: Option<i64>,
}

async fn list_dead_letters(store: web::Data<EventStore>, q: web::Query<Paging>) -> HttpResponse {
    match store.dead_letters(q.limit.unwrap_or(100)).await {
        Ok(rows) => HttpResponse::Ok().json(rows),
        Err(err) => HttpResponse::InternalServerError().body(err.to_string()),
    }
}

async fn requeue_dead_letters(store: web::Data<EventStore>, q: web::Query<Paging>) -> HttpResponse {
    match store.requeue(q.limit.unwrap_or(100)).await {
        Ok(n) => HttpResponse::Accepted().json(serde_json::json!({ "requeued": n })),
        Err(err) => HttpResponse::InternalServerError().body(err.to_string()),
    }
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt::init();
    let settings = load_settings()?;

    let (client, connection) = tokio_postgres::connect(&settings.database_url, NoTls).await?;
    tokio::spawn(async move {
        if let Err(err) = connection.await {
            error!(%err, "postgres connection closed");
        }
    });
    let store = web::Data::new(EventStore::new(client));
    store.migrate().await?;

    let notifier = notify::Notifier::connect(&settings.amqp_url).await?;
    tokio::spawn(consumer::run(settings.clone(), store.clone().into_inner(), notifier));

    info!(port = settings.admin_port, "admin api listening");
    HttpServer::new(move || {
        App::new()
            .app_data(store.clone())
            .service(health)
            .service(stats)
            .service(
                web::resource("/dead-letters")
                    .route(web::get().to(list_dead_letters))
                    .route(web::post().to(requeue_dead_letters)),
            )
    })
    .bind(("0.0.0.0", settings.admin_port))?
    .run()
    .await?;
    Ok(())
}
