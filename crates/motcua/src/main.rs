//! `motcua`: the command-line program. `main` only parses arguments, loads the configuration
//! and dispatches; the work is in the library crates.

mod calendar_cli;
mod config;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
}

/// An error caused by the user's input: printed on one line, exit status 2.
#[derive(Debug)]
pub struct InputError(pub String);

impl std::fmt::Display for InputError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

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
            let input = error.chain().any(|cause| cause.is::<InputError>() || cause.is::<calendar::CalendarError>());
            ExitCode::from(if input { 2 } else { 1 })
        }
    }
}

fn one_line(error: &anyhow::Error) -> String {
    let text = error.chain().map(ToString::to_string).collect::<Vec<_>>().join(": ");
    let code = match error.chain().find_map(|cause| cause.downcast_ref::<calendar::CalendarError>()) {
        Some(calendar_error) => calendar_error.code(),
        None if error.chain().any(|cause| cause.is::<InputError>()) => "INVALID_INPUT",
        None => "INTERNAL",
    };
    format!("{} [{code}]", text.replace('\n', " "))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let config = config::Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Calendar { command } => calendar_cli::run(&config, command),
        Command::Deadline(args) => calendar_cli::deadline(&config, args),
    }
}
