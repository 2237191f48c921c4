//! `motcua`: the command-line program. `main` only parses arguments, loads the configuration
//! and dispatches; the work is in the library crates.

mod calendar_cli;
mod config;
mod database;
mod db_cli;
mod docs_cli;
mod input;
mod user_cli;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::input::InputError;

/// mimalloc instead of glibc's allocator: the bulk load and the server allocate many small
/// short-lived strings and maps, where glibc's free lists cost a fifth of the simulation's time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// motcua — hệ thống một cửa giải quyết thủ tục hành chính / one-stop administrative procedures.
#[derive(Debug, Parser)]
#[command(name = "motcua", version, about, long_about = None)]
struct Cli {
    /// Tệp cấu hình TOML / configuration file (also MOTCUA_CONFIG).
    #[arg(long, global = true, env = "MOTCUA_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Lịch làm việc, ngày lễ, âm lịch / working calendar, holidays, lunar calendar.
    Calendar {
        #[command(subcommand)]
        command: calendar_cli::CalendarCommand,
    },
    /// Tính hạn giải quyết / compute a due instant.
    Deadline(calendar_cli::DeadlineArgs),
    /// Chạy máy chủ API / serve the HTTP API.
    Serve {
        #[command(flatten)]
        database: database::DatabaseArgs,
        /// Địa chỉ / listen address.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Cookie phiên có cờ Secure (máy chủ sau TLS) / session cookies carry `Secure` (the
        /// server is reached over HTTPS through a proxy).
        #[arg(long, env = "MOTCUA_SECURE_COOKIES")]
        secure_cookies: bool,
        /// Số lần tra cứu công khai mỗi phút mỗi địa chỉ / public look-ups a minute per client
        /// address (raise it only for load tests).
        #[arg(long, env = "MOTCUA_LOOKUPS_PER_MINUTE", default_value_t = 60)]
        lookups_per_minute: u32,
        /// CSDL chỉ đọc (bản sao) cho tra cứu công khai và thống kê / a read-only database (a
        /// streaming replica of --database) for public look-ups and statistics.
        #[arg(long, env = "MOTCUA_READ_DATABASE_URL")]
        read_database: Option<String>,
    },
    /// Cập nhật lược đồ cơ sở dữ liệu / run the database migrations.
    Migrate {
        #[command(flatten)]
        database: database::DatabaseArgs,
    },
    /// Nhập danh mục (đơn vị, thủ tục) / import catalogue files (docs/catalog-format.md).
    ImportCatalog {
        /// Các tệp TOML / the TOML files, imported together or not at all.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        database: database::DatabaseArgs,
    },
    /// Dữ liệu mẫu TP.HCM và máy chủ / a fresh demo database of Ho Chi Minh City, then serve it.
    Demo {
        #[command(flatten)]
        database: DemoDatabase,
        /// Địa chỉ / listen address.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Chỉ tạo dữ liệu / create the data and exit.
        #[arg(long)]
        no_serve: bool,
        /// Số hồ sơ mỗi ngày làm việc / dossiers per working day, city-wide.
        #[arg(long, default_value_t = 150)]
        per_day: usize,
    },
    /// Mô phỏng hồ sơ (đường ghi hàng loạt) / simulate dossiers into an empty database (bulk path).
    Simulate {
        #[command(flatten)]
        database: database::DatabaseArgs,
        /// Số hồ sơ / number of dossiers (about).
        #[arg(long)]
        dossiers: u64,
        /// Từ ngày / first day (YYYY-MM-DD).
        #[arg(long, allow_hyphen_values = true)]
        from: String,
        /// Đến ngày / last day (YYYY-MM-DD).
        #[arg(long, allow_hyphen_values = true)]
        to: String,
        /// Hạt giống / seed (same seed, same data).
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Báo cáo kỳ / the period report of a unit.
    Stats {
        #[command(flatten)]
        database: database::DatabaseArgs,
        /// Mã đơn vị / unit code.
        #[arg(long)]
        unit: String,
        /// Từ ngày / first day (YYYY-MM-DD).
        #[arg(long, allow_hyphen_values = true)]
        from: String,
        /// Đến ngày / last day (YYYY-MM-DD).
        #[arg(long, allow_hyphen_values = true)]
        to: String,
        /// csv hoặc json.
        #[arg(long, default_value = "csv")]
        format: String,
    },
    /// Sao lưu trực tuyến / a consistent online backup while the server keeps writing.
    Backup {
        #[command(flatten)]
        database: database::DatabaseArgs,
        /// Tệp sao lưu / the backup file (must not exist).
        #[arg(long)]
        out: PathBuf,
    },
    /// Khôi phục vào cơ sở dữ liệu trống / restore a backup into a new SQLite file or an empty PostgreSQL database.
    Restore {
        #[command(flatten)]
        database: database::DatabaseArgs,
        /// Tệp sao lưu / the backup file.
        #[arg(long)]
        from: PathBuf,
    },
    /// Nhật ký kiểm toán / the tamper-evident audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Tài khoản cán bộ, vai trò, mã truy cập / staff accounts, roles and API tokens.
    User {
        #[command(subcommand)]
        command: user_cli::UserCommand,
    },
    /// Đối soát thống kê với nhật ký sự kiện / recompute every statistic and state from the event log.
    Check {
        #[command(flatten)]
        database: database::DatabaseArgs,
    },
    /// Chứng thư số dùng thử / a demo PKI for trying out signatures.
    Pki {
        #[command(subcommand)]
        command: docs_cli::PkiCommand,
    },
    /// Tạo văn bản PDF/A theo mẫu / render an official document or form to PDF/A-2b.
    Render(docs_cli::RenderArgs),
    /// Ký số văn bản PDF (PAdES) / sign a PDF (PAdES), as the competent person or the agency.
    Sign(docs_cli::SignArgs),
    /// Kiểm tra chữ ký số / verify a PDF's signatures; exits 0 only if all are valid and trusted.
    Verify(docs_cli::VerifyArgs),
}

/// `motcua audit ...`.
#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Kiểm tra toàn bộ chuỗi băm / check every hash chain; exits non-zero at the first broken entry.
    Verify {
        #[command(flatten)]
        database: database::DatabaseArgs,
    },
}

/// The demo's database defaults to its own file, which it recreates.
#[derive(Debug, clap::Args)]
struct DemoDatabase {
    /// sqlite:FILE hoặc postgres://... (mặc định / default sqlite:motcua-demo.db, recreated).
    #[arg(long, default_value = "sqlite:motcua-demo.db")]
    database: String,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            use clap::error::ErrorKind;
            if matches!(
                error.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = error.print();
                return if error.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                    ExitCode::from(2)
                } else {
                    ExitCode::SUCCESS
                };
            }
            // One line: clap's message up to its usage section, without the "error: " prefix.
            let rendered = error.render().to_string();
            let message: Vec<&str> =
                rendered.lines().take_while(|line| !line.trim().is_empty()).map(str::trim).collect();
            let message = message.join(" ");
            eprintln!("motcua: lỗi / error: {} (motcua --help) [CLI_USAGE]", message.trim_start_matches("error: "));
            return ExitCode::from(2);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("motcua: lỗi / error: {}", one_line(&error));
            // Refused input (arguments, configuration, data files) exits 2; anything else is a
            // failure of ours and exits 1.
            let input = error.chain().any(|cause| {
                cause.is::<InputError>()
                    || cause.is::<calendar::CalendarError>()
                    || cause.is::<docs_cli::DocumentError>()
            });
            ExitCode::from(if input { 2 } else { 1 })
        }
    }
}

fn one_line(error: &anyhow::Error) -> String {
    let text = error.chain().map(ToString::to_string).collect::<Vec<_>>().join(": ");
    let document = error.chain().find_map(|cause| cause.downcast_ref::<docs_cli::DocumentError>());
    let code = match error.chain().find_map(|cause| cause.downcast_ref::<calendar::CalendarError>()) {
        Some(calendar_error) => calendar_error.code(),
        None if document.is_some() => document.map_or("INTERNAL", |document| document.code),
        None if error.chain().any(|cause| cause.is::<docs_cli::NotVerified>()) => "NOT_VERIFIED",
        None if error.chain().any(|cause| cause.is::<InputError>()) => "INVALID_INPUT",
        None => "INTERNAL",
    };
    format!("{} [{code}]", text.replace('\n', " "))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let config = config::Config::load(cli.config.as_deref())?;
    let runtime = || tokio::runtime::Builder::new_multi_thread().enable_all().build();
    match cli.command {
        Command::Calendar { command } => calendar_cli::run(&config, command),
        Command::Deadline(args) => calendar_cli::deadline(&config, args),
        Command::Serve { database, listen, secure_cookies, lookups_per_minute, read_database } => {
            init_tracing();
            let options = db_cli::ServeOptions { secure_cookies, lookups_per_minute, read_database, demo_keys: false };
            runtime()?.block_on(db_cli::serve(&config, &database, &listen, options))
        }
        Command::Migrate { database } => runtime()?.block_on(db_cli::migrate(&database)),
        Command::ImportCatalog { files, database } => runtime()?.block_on(db_cli::import_catalog(&database, &files)),
        Command::Demo { database, listen, no_serve, per_day } => {
            init_tracing();
            let database = database::DatabaseArgs { database: database.database };
            runtime()?.block_on(db_cli::demo(&config, &database, &listen, no_serve, per_day))
        }
        Command::Simulate { database, dossiers, from, to, seed } => {
            runtime()?.block_on(db_cli::simulate(&config, &database, dossiers, &from, &to, seed))
        }
        Command::Stats { database, unit, from, to, format } => {
            runtime()?.block_on(db_cli::stats(&config, &database, &unit, &from, &to, &format))
        }
        Command::Backup { database, out } => runtime()?.block_on(db_cli::backup(&database, &out)),
        Command::Restore { database, from } => runtime()?.block_on(db_cli::restore(&database, &from)),
        Command::Audit { command: AuditCommand::Verify { database } } => {
            if runtime()?.block_on(db_cli::audit_verify(&config, &database))? {
                Ok(())
            } else {
                Err(AuditBroken.into())
            }
        }
        Command::User { command } => runtime()?.block_on(user_cli::run(&config, command)),
        Command::Pki { command } => docs_cli::pki(command),
        Command::Render(args) => docs_cli::render(args),
        Command::Sign(args) => docs_cli::sign(args),
        Command::Verify(args) => docs_cli::verify(args),
        Command::Check { database } => {
            if runtime()?.block_on(db_cli::check(&config, &database))? {
                Ok(())
            } else {
                Err(CheckFailed.into())
            }
        }
    }
}

/// `audit verify` found a broken entry: exit status 1, the entry is already printed.
#[derive(Debug)]
struct AuditBroken;

impl std::fmt::Display for AuditBroken {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("nhật ký kiểm toán đã bị sửa đổi / the audit log was altered")
    }
}

impl std::error::Error for AuditBroken {}

/// `check` found differences: exit status 1, the differences are already printed.
#[derive(Debug)]
struct CheckFailed;

impl std::fmt::Display for CheckFailed {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("thống kê không khớp nhật ký sự kiện / statistics differ from the event log")
    }
}

impl std::error::Error for CheckFailed {}

fn init_tracing() {
    // Logs carry no personal data: handlers log codes and ids only.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}
