//! The commands that work on a database: `serve`, `migrate`, `import-catalog`, `demo`, `stats`,
//! `check`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use app::service::Service;
use app::{StatsQuery, Store};
use domain::catalog::{Catalog, parse_catalog};

use crate::config::Config;
use crate::database::{DatabaseArgs, connect_store, open_store, service};
use crate::input::{InputError, parse_day};
use crate::user_cli::generate_password;

/// The shipped HCMC catalogue, in import order.
pub const HCMC_CATALOGUE: [(&str, &str); 3] = [
    ("data/catalog/hcmc-units-2024.toml", include_str!("../../../data/catalog/hcmc-units-2024.toml")),
    ("data/catalog/hcmc-units-2025.toml", include_str!("../../../data/catalog/hcmc-units-2025.toml")),
    ("data/catalog/hcmc-procedures.toml", include_str!("../../../data/catalog/hcmc-procedures.toml")),
];

/// Parses catalogue texts in order (later files may refer to structures of earlier ones) and
/// merges them; nothing is written.
pub fn parse_catalogues(
    store_known: std::collections::BTreeSet<String>,
    files: &[(String, String)],
) -> Result<Catalog> {
    let mut known = store_known;
    let mut merged = Catalog::default();
    for (label, text) in files {
        let catalog = parse_catalog(text, label, &known).map_err(|error| InputError(error.to_string()))?;
        known.extend(catalog.structures.iter().map(|structure| structure.id.to_string()));
        merged.structures.extend(catalog.structures);
        merged.units.extend(catalog.units);
        merged.procedures.extend(catalog.procedures);
    }
    Ok(merged)
}

/// `motcua migrate`.
pub async fn migrate(args: &DatabaseArgs) -> Result<()> {
    let store = open_store(&args.database).await?;
    println!("đã cập nhật lược đồ / schema up to date ({})", store.backend());
    Ok(())
}

/// `motcua import-catalog FILE...`.
pub async fn import_catalog(args: &DatabaseArgs, files: &[PathBuf]) -> Result<()> {
    let mut texts = Vec::with_capacity(files.len());
    for path in files {
        let text = std::fs::read_to_string(path)
            .map_err(|error| InputError(format!("không đọc được / cannot read {}: {error}", path.display())))?;
        texts.push((path.display().to_string(), text));
    }
    let store = open_store(&args.database).await?;
    let catalog = parse_catalogues(store.known_structures().await?, &texts)?;
    let report = store.import_catalog(&catalog).await?;
    println!(
        "đã nhập / imported: {} cơ cấu / structures, {} đơn vị / units, {} thủ tục / procedure versions",
        report.structures, report.units, report.procedures
    );
    Ok(())
}

/// `motcua stats`.
pub async fn stats(config: &Config, args: &DatabaseArgs, unit: &str, from: &str, to: &str, format: &str) -> Result<()> {
    let (from, to) = (parse_day(from, "--from")?, parse_day(to, "--to")?);
    if !matches!(format, "csv" | "json") {
        return Err(InputError(format!(
            "--format phải là csv hoặc json / --format must be csv or json, not {format:?}"
        ))
        .into());
    }
    let store = open_store(&args.database).await?;
    let record = store
        .find_unit(unit, to)
        .await?
        .ok_or_else(|| InputError(format!("không có đơn vị / no unit {unit:?} on {to}")))?;
    let service = service(config, store)?;
    let report = service.report(&StatsQuery { unit_id: record.id, field: None, procedure: None, from, to }).await?;
    let value = serde_json::to_value(&report)?;
    if format == "json" {
        let mut object = serde_json::json!({ "unit": record.code, "unit_name": record.name, "from": from.to_string(), "to": to.to_string() });
        if let (Some(target), Some(source)) = (object.as_object_mut(), value.as_object()) {
            target.extend(source.clone());
        }
        println!("{}", serde_json::to_string_pretty(&object)?);
        return Ok(());
    }
    let mut writer = csv::Writer::from_writer(std::io::stdout().lock());
    let fields: Vec<(String, String)> = value
        .as_object()
        .map(|object| {
            object
                .iter()
                .map(|(key, value)| {
                    (
                        key.clone(),
                        match value {
                            serde_json::Value::Null => String::new(),
                            other => other.to_string(),
                        },
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let mut header = vec!["unit".to_owned(), "from".to_owned(), "to".to_owned()];
    header.extend(fields.iter().map(|(key, _)| key.clone()));
    let mut row = vec![record.code.clone(), from.to_string(), to.to_string()];
    row.extend(fields.into_iter().map(|(_, value)| value));
    writer.write_record(&header)?;
    writer.write_record(&row)?;
    writer.flush()?;
    Ok(())
}

/// `motcua check`: exits non-zero when a difference is found.
pub async fn check(config: &Config, args: &DatabaseArgs) -> Result<bool> {
    let store = open_store(&args.database).await?;
    let service = service(config, store)?;
    let report = service.check().await?;
    const SHOWN: usize = 50;
    for difference in report.differences.iter().take(SHOWN) {
        println!("{difference}");
    }
    if report.differences.len() > SHOWN {
        println!("... ({} more)", report.differences.len() - SHOWN);
    }
    if report.differences.is_empty() {
        println!(
            "khớp / consistent: {} hồ sơ / dossiers replayed, every statistic equals the recount",
            report.dossiers
        );
    } else {
        println!("{} khác biệt / differences", report.differences.len());
    }
    Ok(report.differences.is_empty())
}

/// `motcua audit verify`: true when every chain verifies.
pub async fn audit_verify(config: &Config, args: &DatabaseArgs) -> Result<bool> {
    let store = open_store(&args.database).await?;
    let report = service(config, store)?.audit_verify().await?;
    match &report.first_broken {
        None => {
            println!("toàn vẹn / intact: {} mục / entries in {} chuỗi / chains", report.entries, report.chains);
            Ok(true)
        }
        Some(broken) => {
            println!("HỎNG / BROKEN at {broken}");
            Ok(false)
        }
    }
}

/// `motcua backup`: SQLite with `VACUUM INTO` (a transactionally consistent copy taken while
/// writers carry on); PostgreSQL with `pg_dump --format=custom` (one snapshot transaction).
pub async fn backup(args: &DatabaseArgs, out: &Path) -> Result<()> {
    if out.exists() {
        return Err(InputError(format!("tệp đã tồn tại / {} already exists", out.display())).into());
    }
    let target =
        out.to_str().ok_or_else(|| InputError("đường dẫn không phải UTF-8 / the path is not UTF-8".to_owned()))?;
    if args.database.starts_with("sqlite:") {
        let store = open_store(&args.database).await?;
        drop(store);
        use sqlx::ConnectOptions;
        let options: sqlx::sqlite::SqliteConnectOptions = args.database.parse()?;
        let mut connection = options.busy_timeout(std::time::Duration::from_secs(30)).connect().await?;
        sqlx::query("VACUUM INTO $1").bind(target).execute(&mut connection).await?;
    } else {
        let status = std::process::Command::new("pg_dump")
            .args(["--format=custom", "--no-owner", "--file", target, &args.database])
            .status()
            .map_err(|error| InputError(format!("không chạy được pg_dump / cannot run pg_dump: {error}")))?;
        if !status.success() {
            anyhow::bail!("pg_dump failed: {status}");
        }
    }
    println!("đã sao lưu / backed up to {}", out.display());
    Ok(())
}

/// `motcua restore`: into a SQLite file that does not exist yet, or an empty PostgreSQL database;
/// then checks the restored data (`check` and the audit chains).
pub async fn restore(args: &DatabaseArgs, from: &Path) -> Result<()> {
    if !from.exists() {
        return Err(InputError(format!("không có tệp / no such file {}", from.display())).into());
    }
    if let Some(file) = args.database.strip_prefix("sqlite:") {
        if Path::new(file).exists() {
            return Err(InputError(format!(
                "{file} đã tồn tại; khôi phục vào tệp mới / {file} exists; restore into a new file"
            ))
            .into());
        }
        std::fs::copy(from, file)?;
    } else {
        let status = std::process::Command::new("pg_restore")
            .args(["--no-owner", "--exit-on-error", "--single-transaction", "--dbname", &args.database])
            .arg(from)
            .status()
            .map_err(|error| InputError(format!("không chạy được pg_restore / cannot run pg_restore: {error}")))?;
        if !status.success() {
            anyhow::bail!("pg_restore failed (the target database must be empty): {status}");
        }
    }
    let store = open_store(&args.database).await?;
    let service = service(&Config::default(), store)?;
    let report = service.check().await?;
    let audit = service.audit_verify().await?;
    if !report.differences.is_empty() || audit.first_broken.is_some() {
        anyhow::bail!("the restored data is not consistent: {:?} {:?}", report.differences.first(), audit.first_broken);
    }
    println!(
        "đã khôi phục / restored: {} hồ sơ / dossiers, {} mục kiểm toán / audit entries, all consistent",
        report.dossiers, audit.entries
    );
    Ok(())
}

/// Serves the API until Ctrl-C.
pub async fn serve(config: &Config, args: &DatabaseArgs, listen: &str, options: ServeOptions) -> Result<()> {
    let store = open_store(&args.database).await?;
    serve_store(config, store, listen, options).await
}

/// How `serve` runs besides its database and address.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// Session cookies carry `Secure`.
    pub secure_cookies: bool,
    /// Public look-ups a minute per client address.
    pub lookups_per_minute: u32,
    /// A read-only replica for public look-ups and statistics.
    pub read_database: Option<String>,
    /// Issue the forms with the demo's in-memory CA when no keys are configured.
    pub demo_keys: bool,
}

async fn serve_store(config: &Config, store: Arc<dyn Store>, listen: &str, options: ServeOptions) -> Result<()> {
    let mut service = service(config, store)?;
    if let Some(url) = &options.read_database {
        service = service.with_reads(connect_store(url).await?);
    }
    let ServeOptions { secure_cookies, lookups_per_minute, demo_keys, .. } = options;
    let issuer = config.issuer(demo_keys)?.map(Arc::new);
    let verify = match &issuer {
        Some(issuer) => issuer.verify_options(),
        None => config.verify_options()?,
    };
    if let Some(issuer) = &issuer {
        service = service.with_issuer(issuer.clone());
        println!(
            "văn bản / documents: các mẫu một cửa được ký và lưu cùng hồ sơ / one-stop forms signed and kept ({issuer:?})"
        );
    }
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|error| InputError(format!("không mở được cổng / cannot listen on {listen}: {error}")))?;
    let address = listener.local_addr()?;
    println!("motcua đang chạy tại / serving at http://{address}/api/v1/openapi.json");
    let mut state = web::AppState::new(service, Arc::new(web::SystemClock));
    state.secure_cookies = secure_cookies;
    state.verify = verify;
    state.limiter = Arc::new(web::RateLimiter::new(lookups_per_minute, std::time::Duration::from_secs(60)));
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    web::serve(state, listener, shutdown).await?;
    Ok(())
}

/// `motcua simulate`: dossiers spread over working days of the period, through the bulk path,
/// into a database without dossiers (the catalogue is imported when missing).
pub async fn simulate(
    config: &Config,
    args: &DatabaseArgs,
    dossiers: u64,
    from: &str,
    to: &str,
    seed: u64,
) -> Result<()> {
    let (from, to) = (parse_day(from, "--from")?, parse_day(to, "--to")?);
    if from > to || dossiers == 0 {
        return Err(InputError(
            "cần --from ≤ --to và --dossiers > 0 / needs --from ≤ --to and --dossiers > 0".to_owned(),
        )
        .into());
    }
    let store = open_store(&args.database).await?;
    if store.dossier_count().await? > 0 {
        return Err(InputError("cơ sở dữ liệu đã có hồ sơ; mô phỏng cần cơ sở dữ liệu trống / the database already has dossiers; simulate needs an empty one".to_owned()).into());
    }
    if store.known_structures().await?.is_empty() {
        let texts: Vec<(String, String)> =
            HCMC_CATALOGUE.iter().map(|(label, text)| ((*label).to_owned(), (*text).to_owned())).collect();
        let catalog = parse_catalogues(store.known_structures().await?, &texts)?;
        store.import_catalog(&catalog).await?;
    }
    let service = service(config, store)?;
    let calendar = calendar::CivilCalendar::builtin()?;
    // Working days weighted like the simulation's arrivals (the last five days of a month get 30%
    // more), so that about `dossiers` arrive in all.
    let mut weighted_days = 0.0_f64;
    let mut day = from;
    while day <= to {
        if calendar.is_working_day(day)? {
            weighted_days += if day.last_of_month().day() - day.day() < 5 { 1.3 } else { 1.0 };
        }
        day = day.tomorrow()?;
    }
    let per_working_day = ((dossiers as f64 / weighted_days.max(1.0)).round() as usize).max(1);
    let end = to.at(23, 59, 59, 0).to_zoned(calendar::ho_chi_minh_time_zone())?.timestamp();
    let plan = motcua::simulation::Plan { from, to, per_working_day, seed, now: end.min(jiff::Timestamp::now()) };
    let started = std::time::Instant::now();
    let mut writer =
        motcua::simulation::Writer::Bulk(Box::new(motcua::simulation::BulkWriter::new(service.clone(), 20_000)));
    let mut last = std::time::Instant::now();
    let summary = motcua::simulation::run(&service, &mut writer, &plan, |done, total, generated| {
        if last.elapsed().as_secs_f64() >= 1.0 || done == total {
            last = std::time::Instant::now();
            let fraction = done as f64 / total.max(1) as f64;
            let elapsed = started.elapsed().as_secs_f64();
            let eta = if fraction > 0.0 { elapsed / fraction - elapsed } else { 0.0 };
            let width = 30;
            let filled = ((fraction * width as f64).round() as usize).min(width);
            eprint!(
                "\r  [{}{}] {:5.1}%  {generated} hồ sơ / dossiers, {:.0}/s, {:.0} s elapsed, ETA {:.0} s   ",
                "#".repeat(filled),
                " ".repeat(width - filled),
                fraction * 100.0,
                generated as f64 / elapsed.max(1e-9),
                elapsed,
                eta
            );
        }
    })
    .await?;
    if let motcua::simulation::Writer::Bulk(bulk) = &mut writer {
        bulk.flush().await?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    eprintln!();
    println!(
        "đã mô phỏng / simulated {} hồ sơ / dossiers and {} chuyển bước / transitions in {elapsed:.1} s ({:.0} dossiers/s)",
        summary.dossiers,
        summary.transitions,
        summary.dossiers as f64 / elapsed
    );
    Ok(())
}

/// `motcua demo`: a fresh database with the HCMC catalogue and a simulated few months.
pub async fn demo(config: &Config, args: &DatabaseArgs, listen: &str, no_serve: bool, per_day: usize) -> Result<()> {
    let started = std::time::Instant::now();
    if let Some(file) = args.database.strip_prefix("sqlite:") {
        for suffix in ["", "-wal", "-shm"] {
            let path = format!("{file}{suffix}");
            if Path::new(&path).exists() {
                std::fs::remove_file(&path).with_context(|| format!("cannot remove the old demo database {path}"))?;
            }
        }
    }
    let store = open_store(&args.database).await?;
    let texts: Vec<(String, String)> =
        HCMC_CATALOGUE.iter().map(|(label, text)| ((*label).to_owned(), (*text).to_owned())).collect();
    let catalog = parse_catalogues(store.known_structures().await?, &texts)?;
    let imported = store.import_catalog(&catalog).await?;
    println!(
        "danh mục / catalogue: {} đơn vị / units, {} thủ tục / procedure versions",
        imported.units, imported.procedures
    );
    let service = service(config, store.clone())?;
    let now = jiff::Timestamp::now();
    let today = domain::dossier::local_day(now);
    let from = today.checked_sub(jiff::Span::new().days(91))?;
    let plan = motcua::simulation::Plan { from, to: today, per_working_day: per_day, seed: 20_261_129, now };
    println!("mô phỏng / simulating {from} .. {today}, ~{per_day} hồ sơ mỗi ngày làm việc / dossiers per working day");
    let mut writer =
        motcua::simulation::Writer::Bulk(Box::new(motcua::simulation::BulkWriter::new(service.clone(), 2_000)));
    let summary = motcua::simulation::run(&service, &mut writer, &plan, |_, _, _| {}).await?;
    if let motcua::simulation::Writer::Bulk(bulk) = &mut writer {
        bulk.flush().await?;
    }
    println!(
        "đã tạo / created {} hồ sơ / dossiers, {} chuyển bước / transitions in {:.1} s",
        summary.dossiers,
        summary.transitions,
        started.elapsed().as_secs_f64()
    );
    demo_account(&service, now).await?;
    if no_serve {
        return Ok(());
    }
    serve_store(
        config,
        store,
        listen,
        ServeOptions { lookups_per_minute: 60, demo_keys: true, ..ServeOptions::default() },
    )
    .await
}

/// The demo's account `demo`: desk, processing, inspection and city-leader roles on the whole
/// city (deciding needs a unit head on the dossier's own unit: `motcua user grant demo unit_head
/// CODE`), with a fresh password and an API token, printed once.
async fn demo_account(service: &Service, now: jiff::Timestamp) -> Result<()> {
    use app::access::{Actor, Role};
    let by = Actor::system("demo");
    let password = generate_password()?;
    service.add_user("demo", "Tài khoản thử nghiệm", &password, &by, now).await?;
    let roles = [Role::DeskOfficer, Role::ProcessingOfficer, Role::Inspector, Role::CityLeader, Role::Integrator];
    for role in roles {
        service.grant("demo", role, "79", &by, now).await?;
    }
    let (_, token) = service.create_api_token("demo", "demo", &roles, &by, now).await?;
    println!("tài khoản / account: demo, mật khẩu / password: {password}");
    println!("mã API / API token (Authorization: Bearer ...): {token}");
    Ok(())
}
