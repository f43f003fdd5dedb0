use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Deserialize;
use tokio::sync::Mutex;
use tracing::{error, info};
use warp::http::StatusCode;
use warp::reply::{json, with_status};
use warp::Filter;

mod export;
mod ledger;
mod upload;

#[derive(Debug, Deserialize, Clone)]
pub struct Settings {
    pub ledger_db: PathBuf,
    pub export_dir: PathBuf,
    pub bucket: String,
    #[serde(default = "default_port")]
    pub port: u16,
}

fn default_port() -> u16 {
    8088
}

#[derive(Deserialize)]
struct ExportRequest {
    day: NaiveDate,
}

struct App {
    settings: Settings,
    uploader: upload::Uploader,
    running: Mutex<()>,
}

async fn run_export(app: Arc<App>, req: ExportRequest) -> Result<impl warp::Reply, Infallible> {
    let Ok(_guard) = app.running.try_lock() else {
        return Ok(with_status(json(&"an export is already running"), StatusCode::CONFLICT));
    };
    let rates_path = app.settings.export_dir.join("fx_rates.csv");
    if let Err(err) = app.uploader.fetch_rates(req.day, &rates_path).await {
        error!(%err, "could not fetch fx rates");
        return Ok(with_status(json(&err.to_string()), StatusCode::BAD_GATEWAY));
    }
    let settings = app.settings.clone();
    let day = req.day;
    let files = match tokio::task::spawn_blocking(move || export::export_day(&settings, day)).await {
        Ok(Ok(files)) => files,
        Ok(Err(err)) => return Ok(with_status(json(&err.to_string()), StatusCode::UNPROCESSABLE_ENTITY)),
        Err(err) => return Ok(with_status(json(&err.to_string()), StatusCode::INTERNAL_SERVER_ERROR)),
    };
    for file in &files {
        if let Err(err) = app.uploader.upload(file).await {
            error!(%err, file = %file.display(), "upload failed");
        }
    }
    Ok(with_status(json(&files), StatusCode::CREATED))
}

async fn list_exports(app: Arc<App>) -> Result<impl warp::Reply, Infallible> {
    match app.uploader.list("ledger/").await {
        Ok(keys) => Ok(with_status(json(&keys), StatusCode::OK)),
        Err(err) => Ok(with_status(json(&vec![err.to_string()]), StatusCode::BAD_GATEWAY)),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    dotenvy::dotenv().ok();
    let file_appender = tracing_appender::rolling::daily("/var/log/ledger-export", "export.log");
    let (writer, _log_guard) = tracing_appender::non_blocking(file_appender);
    tracing_subscriber::fmt().with_writer(writer).init();

    let settings: Settings = envy::prefixed("LEDGER_").from_env()?;
    let uploader = upload::Uploader::new(&settings.bucket).await;
    let app = Arc::new(App { settings: settings.clone(), uploader, running: Mutex::new(()) });
    let with_app = warp::any().map(move || app.clone());

    let create = warp::path!("exports")
        .and(warp::post())
        .and(with_app.clone())
        .and(warp::body::json())
        .and_then(run_export);
    let list = warp::path!("exports")
        .and(warp::get())
        .and(with_app)
        .and_then(list_exports);
    let health = warp::path!("healthz").map(|| "ok");

    info!(port = settings.port, "ledger-export listening");
    warp::serve(create.or(list).or(health)).run(([0, 0, 0, 0], settings.port)).await;
    Ok(())
}
