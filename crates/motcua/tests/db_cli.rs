//! The database commands as a user runs them: import-catalog (all or nothing, errors naming file
//! and line), demo --no-serve, stats, check, migrate, and serve answering HTTP.

use std::process::{Command, Output};

fn motcua(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(args)
        .env_remove("MOTCUA_CONFIG")
        .env_remove("MOTCUA_DATABASE_URL")
        .output()
        .expect("runs")
}

fn temp_database(name: &str) -> (String, std::path::PathBuf) {
    let path = std::env::temp_dir().join(format!(
        "motcua-cli-{name}-{}-{}.db",
        std::process::id(),
        jiff::Timestamp::now().as_nanosecond()
    ));
    (format!("sqlite:{}", path.display()), path)
}

fn remove(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

fn data(file: &str) -> String {
    format!("{}/../../data/catalog/{file}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn import_is_all_or_nothing() {
    let (url, path) = temp_database("import");
    let broken = std::env::temp_dir().join(format!("motcua-broken-{}.toml", std::process::id()));
    std::fs::write(&broken, "format = \"motcua-catalog/1\"\n\n[[units]]\nstructure = \"hcmc-2025\"\ncode = \"x\"\nname = \"X\"\nkind = \"ward\"\nparent = \"79\"\nhead = \"H\"\nsource = \"s\"\n").expect("write");
    // The good files come first; the broken one makes the whole call fail and nothing is written.
    let output = motcua(&[
        "import-catalog",
        &data("hcmc-units-2025.toml"),
        &data("hcmc-procedures.toml"),
        broken.to_str().expect("path"),
        "--database",
        &url,
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&format!("{}:7:", broken.display())), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    let output =
        motcua(&["stats", "--database", &url, "--unit", "26740", "--from", "2026-01-01", "--to", "2026-01-31"]);
    assert_eq!(output.status.code(), Some(2), "no unit was imported");
    let output =
        motcua(&["import-catalog", &data("hcmc-units-2025.toml"), &data("hcmc-procedures.toml"), "--database", &url]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("224"));
    let _ = std::fs::remove_file(&broken);
    remove(&path);
}

#[test]
fn demo_stats_check_and_serve() {
    let (url, path) = temp_database("demo");
    let output = motcua(&["demo", "--database", &url, "--no-serve", "--per-day", "15"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("hồ sơ / dossiers"), "{stdout}");
    let output = motcua(&["check", "--database", &url]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stdout));
    assert!(String::from_utf8_lossy(&output.stdout).contains("consistent"));
    let today = jiff::Timestamp::now().to_zoned(calendar::ho_chi_minh_time_zone()).date();
    let from = today.checked_sub(jiff::Span::new().days(91)).expect("date").to_string();
    let output = motcua(&[
        "stats",
        "--database",
        &url,
        "--unit",
        "79-so-tu-phap",
        "--from",
        &from,
        "--to",
        &today.to_string(),
        "--format",
        "json",
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let number = |key: &str| report[key].as_i64().unwrap_or(-1);
    assert_eq!(
        number("carried_over") + number("received"),
        number("settled") + number("in_progress") + number("withdrawn"),
        "{report}"
    );
    let output =
        motcua(&["stats", "--database", &url, "--unit", "79-so-tu-phap", "--from", &from, "--to", &today.to_string()]);
    let csv = String::from_utf8_lossy(&output.stdout);
    assert!(csv.starts_with("unit,from,to,carried_over,received,"), "{csv}");
    // Bad input: one line, exit 2.
    for args in [
        vec!["stats", "--database", url.as_str(), "--unit", "nope", "--from", "2026-01-01", "--to", "2026-01-31"],
        vec!["stats", "--database", url.as_str(), "--unit", "26740", "--from", "2026-13-01", "--to", "2026-01-31"],
        vec![
            "stats",
            "--database",
            url.as_str(),
            "--unit",
            "26740",
            "--from",
            "2026-01-01",
            "--to",
            "2026-01-31",
            "--format",
            "xml",
        ],
        vec!["migrate", "--database", "mysql://x"],
        vec!["simulate", "--database", url.as_str(), "--dossiers", "10", "--from", "2026-01-01", "--to", "2026-01-31"],
    ] {
        let output = motcua(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&output.stderr).trim_end().lines().count(), 1, "{args:?}");
    }
    // serve answers on the demo database.
    let mut server = Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(["serve", "--database", &url, "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("serve");
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(server.stdout.take().expect("stdout")), &mut line)
        .expect("line");
    let url_start = line.find("http://").expect("URL printed");
    let base = line[url_start..].trim().trim_end_matches("/api/v1/openapi.json").to_owned();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let body: serde_json::Value = runtime.block_on(async {
        reqwest::get(format!("{base}/api/v1/stats?unit=26740&from={from}&to={today}"))
            .await
            .expect("request")
            .json()
            .await
            .expect("JSON")
    });
    assert!(body["received"].as_i64().is_some(), "{body}");
    let _ = server.kill();
    let _ = server.wait();
    remove(&path);
}
