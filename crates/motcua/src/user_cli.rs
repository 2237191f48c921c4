//! `motcua user ...`: staff accounts, their roles and API tokens, from the operator's shell.
//! Passwords never appear on the command line (other users of the machine could read them in the
//! process list): they come from a file, from standard input, or are generated and printed once.

use std::io::Read;
use std::path::PathBuf;

use anyhow::Result;
use app::StoreError;
use app::access::{Actor, Role};
use clap::{Args, Subcommand};

use crate::config::Config;
use crate::database::{DatabaseArgs, open_store, service};
use crate::input::InputError;

/// `motcua user ...`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Tạo tài khoản / create an account (no roles until granted).
    Add {
        /// Tên đăng nhập / login (lower-case ASCII letters, digits, '.', '-', '_').
        login: String,
        /// Họ tên / display name.
        #[arg(long)]
        name: String,
        #[command(flatten)]
        password: PasswordArgs,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Khóa tài khoản / disable an account: its sessions end and its tokens stop working.
    Disable {
        /// Tên đăng nhập / login.
        login: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Mở khóa tài khoản / enable a disabled account.
    Enable {
        /// Tên đăng nhập / login.
        login: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Đặt lại mật khẩu / set a new password (ends the account's sessions, clears a lock).
    ResetPassword {
        /// Tên đăng nhập / login.
        login: String,
        #[command(flatten)]
        password: PasswordArgs,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Cấp vai trò trên một đơn vị / grant a role on a unit (and everything under it).
    Grant {
        /// Tên đăng nhập / login.
        login: String,
        /// desk_officer, processing_officer, unit_head, city_leader, inspector, administrator, integrator.
        role: String,
        /// Mã đơn vị (cơ cấu đang áp dụng) / unit code, in the structure in force today.
        unit: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Thu hồi vai trò / take a role on a unit away.
    Revoke {
        /// Tên đăng nhập / login.
        login: String,
        /// Vai trò / role.
        role: String,
        /// Mã đơn vị / unit code.
        unit: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Danh sách tài khoản / list accounts with their roles.
    List {
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Tạo mã truy cập API / create an API token limited to some of the account's roles (printed once).
    Token {
        /// Tên đăng nhập / login.
        login: String,
        /// Mục đích / what it is for, e.g. cong-dvc-quoc-gia.
        #[arg(long)]
        name: String,
        /// Vai trò được dùng / roles it may use, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        roles: Vec<String>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Thu hồi mã truy cập / revoke an API token by its id.
    RevokeToken {
        /// Số của mã / the token's id (printed when it was created).
        id: i64,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

/// Where a password comes from.
#[derive(Debug, Args)]
pub struct PasswordArgs {
    /// Đọc mật khẩu từ dòng đầu của tệp / read the password from the first line of a file.
    #[arg(long, conflicts_with = "password_stdin")]
    password_file: Option<PathBuf>,
    /// Đọc mật khẩu từ đầu vào chuẩn / read the password from standard input (first line).
    #[arg(long)]
    password_stdin: bool,
}

/// The password the arguments name, or a generated one (then `true`: print it).
fn password_of(args: &PasswordArgs) -> Result<(String, bool)> {
    let first_line = |text: String| text.lines().next().unwrap_or_default().to_owned();
    if let Some(path) = &args.password_file {
        let text = std::fs::read_to_string(path)
            .map_err(|error| InputError(format!("không đọc được / cannot read {}: {error}", path.display())))?;
        return Ok((first_line(text), false));
    }
    if args.password_stdin {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|error| InputError(format!("không đọc được đầu vào / cannot read standard input: {error}")))?;
        return Ok((first_line(text), false));
    }
    Ok((generate_password()?, true))
}

/// A random password: 16 characters from an alphabet without look-alikes (about 90 bits).
pub fn generate_password() -> Result<String> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0_u8; 16];
    getrandom::fill(&mut bytes).map_err(|error| anyhow::anyhow!("no randomness: {error}"))?;
    Ok(bytes.iter().map(|byte| char::from(ALPHABET[usize::from(*byte) % ALPHABET.len()])).collect())
}

fn role_of(text: &str) -> Result<Role> {
    Role::parse(text).ok_or_else(|| {
        let names: Vec<&str> = Role::ALL.iter().map(|role| role.as_str()).collect();
        InputError(format!("vai trò không rõ / unknown role {text:?}; one of {}", names.join(", "))).into()
    })
}

/// Refusals of the service are the operator's input errors (exit status 2).
fn input(error: StoreError) -> anyhow::Error {
    match error {
        StoreError::Database(_) => error.into(),
        other => InputError(format!("{other} [{}]", other.code())).into(),
    }
}

/// Runs a `motcua user` command.
pub async fn run(config: &Config, command: UserCommand) -> Result<()> {
    let database = match &command {
        UserCommand::Add { database, .. }
        | UserCommand::Disable { database, .. }
        | UserCommand::Enable { database, .. }
        | UserCommand::ResetPassword { database, .. }
        | UserCommand::Grant { database, .. }
        | UserCommand::Revoke { database, .. }
        | UserCommand::List { database }
        | UserCommand::Token { database, .. }
        | UserCommand::RevokeToken { database, .. } => database,
    };
    let service = service(config, open_store(&database.database).await?)?;
    let by = Actor::system("cli");
    let now = jiff::Timestamp::now();
    match &command {
        UserCommand::Add { login, name, password, .. } => {
            let (password, generated) = password_of(password)?;
            service.add_user(login, name, &password, &by, now).await.map_err(input)?;
            println!("đã tạo tài khoản / created account {login}");
            if generated {
                println!("mật khẩu (chỉ hiện một lần) / password (shown once): {password}");
            }
        }
        UserCommand::Disable { login, .. } => {
            service.set_user_disabled(login, true, &by, now).await.map_err(input)?;
            println!("đã khóa / disabled {login}");
        }
        UserCommand::Enable { login, .. } => {
            service.set_user_disabled(login, false, &by, now).await.map_err(input)?;
            println!("đã mở khóa / enabled {login}");
        }
        UserCommand::ResetPassword { login, password, .. } => {
            let (password, generated) = password_of(password)?;
            service.reset_password(login, &password, &by, now).await.map_err(input)?;
            println!("đã đặt lại mật khẩu / password reset for {login}");
            if generated {
                println!("mật khẩu (chỉ hiện một lần) / password (shown once): {password}");
            }
        }
        UserCommand::Grant { login, role, unit, .. } => {
            let added = service.grant(login, role_of(role)?, unit, &by, now).await.map_err(input)?;
            let what = if added { "đã cấp / granted" } else { "đã có / already granted" };
            println!("{what}: {login} {role} {unit}");
        }
        UserCommand::Revoke { login, role, unit, .. } => {
            let removed = service.revoke_grant(login, role_of(role)?, unit, &by, now).await.map_err(input)?;
            let what = if removed { "đã thu hồi / revoked" } else { "không có / was not granted" };
            println!("{what}: {login} {role} {unit}");
        }
        UserCommand::List { .. } => {
            // Tab-separated; the csv crate quotes a field only if it holds a tab, a quote or a
            // line break.
            let mut writer = csv::WriterBuilder::new().delimiter(b'\t').from_writer(std::io::stdout().lock());
            writer.write_record(["login", "disabled", "locked_until", "grants"])?;
            for user in service.store().list_users().await.map_err(input)? {
                let grants = service.grants_of(&user.login).await.map_err(input)?;
                let grants: Vec<String> =
                    grants.iter().map(|(role, unit)| format!("{}@{unit}", role.as_str())).collect();
                let locked = user.locked_until.map(|at| at.to_string()).unwrap_or_default();
                writer.write_record([user.login.as_str(), &user.disabled.to_string(), &locked, &grants.join(",")])?;
            }
            writer.flush()?;
        }
        UserCommand::Token { login, name, roles, .. } => {
            let roles = roles.iter().map(|role| role_of(role.trim())).collect::<Result<Vec<_>>>()?;
            let (id, token) = service.create_api_token(login, name, &roles, &by, now).await.map_err(input)?;
            println!("mã số / token id {id}");
            println!("{token}");
        }
        UserCommand::RevokeToken { id, .. } => {
            if !service.revoke_api_token(*id, &by, now).await.map_err(input)? {
                return Err(
                    InputError(format!("không có mã truy cập còn hiệu lực số {id} / no live token {id}")).into()
                );
            }
            println!("đã thu hồi mã / revoked token {id}");
        }
    }
    Ok(())
}
