//! `motcua backup` while the server is writing, then `motcua restore` into a new database: the
//! restored data is consistent (check and audit chains) and, once writes stop, a backup restores
//! to exactly the same content, table by table.

mod common;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use app::Store;

fn motcua(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(args)
        .env_remove("MOTCUA_CONFIG")
        .env_remove("MOTCUA_DATABASE_URL")
        .output()
        .expect("runs")
}

fn data(file: &str) -> String {
    format!("{}/../../data/catalog/{file}", env!("CARGO_MANIFEST_DIR"))
}

async fn open(url: &str) -> Arc<dyn Store> {
    if url.starts_with("sqlite:") {
        Arc::new(store_sqlite::SqliteStore::connect(url).await.expect("open"))
    } else {
        Arc::new(store_postgres::PostgresStore::connect(url).await.expect("open"))
    }
}

/// Everything the database holds, read through the store.
async fn content(url: &str) -> String {
    let store = open(url).await;
    let mut out = String::new();
    let dossiers = store.dossier_page(None, 1_000_000).await.expect("dossiers");
    for (dossier, events) in &dossiers {
        out.push_str(&format!("{dossier:?}{events:?}\n"));
        let record = store.dossier(&dossier.state.code).await.expect("dossier").expect("exists");
        out.push_str(&format!(
            "{}|{:?}|{:?}\n",
            record.applicant.name, record.applicant.id_number, record.applicant.phone
        ));
    }
    out.push_str(&format!("{:?}\n", store.aggregates().await.expect("aggregates")));
    out.push_str(&format!("{:?}\n", store.audit_page(None, 1_000_000).await.expect("audit")));
    let day = jiff::civil::date(2026, 3, 1);
    out.push_str(&format!("{:?}\n", store.list_units(day).await.expect("units")));
    out.push_str(&format!("{:?}\n", store.list_procedures(day).await.expect("procedures")));
    out.push_str(&format!("{:?}\n", store.setting_or_insert("receipt_key", "unused").await.expect("setting")));
    out
}

async fn round_trip(source: String, fresh_targets: Vec<String>, backup_dir: std::path::PathBuf) {
    let (units, procedures) = (data("hcmc-units-2025.toml"), data("hcmc-procedures.toml"));
    let output = motcua(&["import-catalog", &units, &procedures, "--database", &source]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let token = common::staff_token(&source, "backup.officer", "26740");
    let mut server = Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(["serve", "--database", &source, "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve");
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(server.stdout.take().expect("stdout")), &mut line)
        .expect("line");
    let base = line[line.find("http://").expect("URL")..].trim().trim_end_matches("/api/v1/openapi.json").to_owned();
    // Writers keep going while the first backup is taken.
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for client in 0..4 {
        let (base, stop, token) = (base.clone(), stop.clone(), token.clone());
        writers.push(tokio::spawn(async move {
            let http = common::client_with(&token, std::time::Duration::from_secs(30));
            let mut written = 0;
            while !stop.load(Ordering::Relaxed) {
                let body = serde_json::json!({ "unit": "26740", "procedure": "1.004873", "channel": "counter",
                    "idempotency_key": format!("b{client}-{written}"), "applicant": { "name": "Đỗ Văn E", "phone": "0909000111" } });
                let created: serde_json::Value = http.post(format!("{base}/api/v1/dossiers")).json(&body).send().await.expect("post").json().await.expect("json");
                let code = created["code"].as_str().expect("code").to_owned();
                for action in [serde_json::json!({ "action": "accept" }), serde_json::json!({ "action": "complete_step" })] {
                    let response = http.post(format!("{base}/api/v1/dossiers/{code}/transitions")).json(&action).send().await.expect("post");
                    assert!(response.status().is_success());
                }
                written += 1;
            }
            written
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let under_load = backup_dir.join("under-load.backup");
    let output = motcua(&["backup", "--database", &source, "--out", under_load.to_str().expect("path")]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    stop.store(true, Ordering::Relaxed);
    let mut written = 0;
    for writer in writers {
        written += writer.await.expect("writer");
    }
    assert!(written > 10, "writes were going on: {written}");
    let _ = server.kill();
    let _ = server.wait();
    // The backup taken under load restores to a consistent database.
    let output = motcua(&["restore", "--database", &fresh_targets[0], "--from", under_load.to_str().expect("path")]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("all consistent"));
    // Once quiet, a backup restores to exactly the same content.
    let quiet = backup_dir.join("quiet.backup");
    let output = motcua(&["backup", "--database", &source, "--out", quiet.to_str().expect("path")]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let output = motcua(&["restore", "--database", &fresh_targets[1], "--from", quiet.to_str().expect("path")]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let (original, restored) = (content(&source).await, content(&fresh_targets[1]).await);
    assert!(original.len() > 10_000);
    assert!(original == restored, "the restored database differs from the source");
    // Refusals: an existing backup file, a restore over existing data.
    let output = motcua(&["backup", "--database", &source, "--out", quiet.to_str().expect("path")]);
    assert_eq!(output.status.code(), Some(2));
    let output = motcua(&["restore", "--database", &fresh_targets[1], "--from", quiet.to_str().expect("path")]);
    assert_ne!(output.status.code(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_backup_round_trip_under_load() {
    let dir = std::env::temp_dir().join(format!(
        "motcua-backup-{}-{}",
        std::process::id(),
        jiff::Timestamp::now().as_nanosecond()
    ));
    std::fs::create_dir_all(&dir).expect("dir");
    let url = |name: &str| format!("sqlite:{}", dir.join(name).display());
    round_trip(url("source.db"), vec![url("restored-1.db"), url("restored-2.db")], dir.clone()).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_backup_round_trip_under_load() {
    let dir = std::env::temp_dir().join(format!(
        "motcua-pgbackup-{}-{}",
        std::process::id(),
        jiff::Timestamp::now().as_nanosecond()
    ));
    std::fs::create_dir_all(&dir).expect("dir");
    let (source, source_name) = store_tests::fresh_postgres_database("backup_source").await;
    let (first, first_name) = store_tests::fresh_postgres_database("backup_one").await;
    let (second, second_name) = store_tests::fresh_postgres_database("backup_two").await;
    round_trip(source, vec![first, second], dir.clone()).await;
    for name in [source_name, first_name, second_name] {
        store_tests::drop_postgres_database(&name).await;
    }
    let _ = std::fs::remove_dir_all(&dir);
}
