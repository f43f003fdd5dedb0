use std::collections::HashMap;
use std::fs::{self, File};
use std::io::BufReader;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ledger::Ledger;
use crate::Settings;

#[derive(Debug, Deserialize)]
struct FxRate {
    currency: String,
    eur_rate: f64,
}

#[derive(Debug, Serialize)]
struct BalanceRow<'a> {
    day: String,
    account: &'a str,
    currency: &'a str,
    debit: f64,
    credit: f64,
    net_eur: f64,
    entries: i64,
}

#[derive(Debug, Serialize)]
struct Manifest {
    day: String,
    files: Vec<String>,
    rows: usize,
}

fn load_rates(path: &Path) -> anyhow::Result<HashMap<String, f64>> {
    let mut rdr = csv::Reader::from_path(path)?;
    let mut rates = HashMap::new();
    for record in rdr.deserialize::<FxRate>() {
        let rate = record?;
        rates.insert(rate.currency, rate.eur_rate);
    }
    Ok(rates)
}

/// Old account codes still used by the ledger, mapped to the chart of accounts.
fn load_account_map() -> anyhow::Result<HashMap<String, String>> {
    let file = File::open("reference/account_map.json")?;
    Ok(serde_json::from_reader(BufReader::new(file))?)
}

pub fn export_day(settings: &Settings, day: NaiveDate) -> anyhow::Result<Vec<PathBuf>> {
    let ledger = Ledger::open(&settings.ledger_db)?;
    if ledger.already_exported(day)? {
        anyhow::bail!("{day} was already exported");
    }
    let rates = load_rates(&settings.export_dir.join("fx_rates.csv"))?;
    let account_map = load_account_map()?;
    let entries = ledger.daily_balances(day)?;

    let out_dir = settings.export_dir.join(day.format("%Y/%m").to_string());
    fs::create_dir_all(&out_dir)?;
    let csv_path = out_dir.join(format!("balances_{day}.csv"));
    let mut wtr = csv::WriterBuilder::new().delimiter(b';').from_path(&csv_path)?;
    for entry in &entries {
        let account = account_map.get(&entry.account).map_or(entry.account.as_str(), String::as_str);
        let rate = rates.get(&entry.currency).copied().unwrap_or(1.0);
        let (debit, credit) = (entry.debit_cents as f64 / 100.0, entry.credit_cents as f64 / 100.0);
        wtr.serialize(BalanceRow {
            day: day.to_string(),
            account,
            currency: &entry.currency,
            debit,
            credit,
            net_eur: (debit - credit) * rate,
            entries: entry.entries,
        })?;
    }
    wtr.flush()?;

    let manifest_path = out_dir.join("manifest.json");
    let manifest = Manifest { day: day.to_string(), files: vec![csv_path.display().to_string()], rows: entries.len() };
    serde_json::to_writer_pretty(File::create(&manifest_path)?, &manifest)?;
    ledger.record_run(day, entries.len())?;
    Ok(vec![csv_path, manifest_path])
}
