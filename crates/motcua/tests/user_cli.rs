//! `motcua user ...` end to end on a SQLite file: every command, and refusals on one line with
//! exit status 2 and a stable code.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn motcua(args: &[&str], database: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(args)
        .args(["--database", database])
        .env_remove("MOTCUA_CONFIG")
        .env_remove("MOTCUA_DATABASE_URL")
        .output()
        .expect("runs")
}

fn ok(output: &Output) -> String {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn refused(output: &Output, code: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains(code), "{code} in {stderr}");
}

#[test]
fn every_user_command() {
    let dir = std::env::temp_dir().join(format!(
        "motcua-users-{}-{}",
        std::process::id(),
        jiff::Timestamp::now().as_nanosecond()
    ));
    std::fs::create_dir_all(&dir).expect("dir");
    let database = format!("sqlite:{}", dir.join("users.db").display());
    let units = format!("{}/../../data/catalog/hcmc-units-2025.toml", env!("CARGO_MANIFEST_DIR"));
    ok(&Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(["import-catalog", &units, "--database", &database])
        .output()
        .expect("runs"));
    let password_file = dir.join("password.txt");
    std::fs::write(&password_file, "mật khẩu từ tệp\nignored second line\n").expect("write");
    let file = password_file.to_str().expect("path");

    let added = ok(&motcua(&["user", "add", "le.van.c", "--name", "Lê Văn C", "--password-file", file], &database));
    assert!(added.contains("le.van.c") && !added.contains("mật khẩu từ tệp"), "{added}");
    refused(
        &motcua(&["user", "add", "le.van.c", "--name", "Lê Văn C", "--password-file", file], &database),
        "USER_EXISTS",
    );
    refused(
        &motcua(&["user", "add", "Le.Van.C", "--name", "X", "--password-file", file], &database),
        "USER_INVALID_LOGIN",
    );
    std::fs::write(dir.join("short.txt"), "ngắn\n").expect("write");
    let short = dir.join("short.txt");
    let short = short.to_str().expect("path");
    refused(&motcua(&["user", "add", "ngan", "--name", "X", "--password-file", short], &database), "PASSWORD_TOO_WEAK");

    // A generated password is printed once; from standard input it is not printed.
    let generated = ok(&motcua(&["user", "add", "tran.thi.d", "--name", "Trần Thị D"], &database));
    let shown = generated.lines().find_map(|line| line.split("(shown once): ").nth(1)).expect("password shown");
    assert_eq!(shown.trim().chars().count(), 16);
    let mut child = Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(["user", "reset-password", "tran.thi.d", "--password-stdin", "--database", &database])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child.stdin.take().expect("stdin").write_all("một mật khẩu mới đủ dài\n".as_bytes()).expect("write");
    let reset = child.wait_with_output().expect("wait");
    assert!(!ok(&reset).contains("một mật khẩu mới"));

    // Grants, by unit code in the structure in force today.
    let granted = ok(&motcua(&["user", "grant", "le.van.c", "desk_officer", "26740"], &database));
    assert!(granted.contains("granted"), "{granted}");
    assert!(ok(&motcua(&["user", "grant", "le.van.c", "desk_officer", "26740"], &database)).contains("already"));
    ok(&motcua(&["user", "grant", "le.van.c", "integrator", "79"], &database));
    refused(&motcua(&["user", "grant", "le.van.c", "root", "26740"], &database), "INVALID_INPUT");
    refused(&motcua(&["user", "grant", "le.van.c", "desk_officer", "99999"], &database), "NOT_FOUND");
    refused(&motcua(&["user", "grant", "khong.co", "desk_officer", "26740"], &database), "NOT_FOUND");
    let listed = ok(&motcua(&["user", "list"], &database));
    let row = listed.lines().find(|line| line.starts_with("le.van.c\t")).expect("row");
    assert_eq!(row, "le.van.c\tfalse\t\tdesk_officer@26740,integrator@79");
    assert!(ok(&motcua(&["user", "revoke", "le.van.c", "integrator", "79"], &database)).contains("revoked"));

    // Disable and enable.
    ok(&motcua(&["user", "disable", "le.van.c"], &database));
    assert!(ok(&motcua(&["user", "list"], &database)).contains("le.van.c\ttrue\t"));
    ok(&motcua(&["user", "enable", "le.van.c"], &database));
    assert!(ok(&motcua(&["user", "list"], &database)).contains("le.van.c\tfalse\t"));

    // Tokens: printed once with an id; revoked once.
    let token = ok(&motcua(&["user", "token", "le.van.c", "--name", "cong-dvc", "--roles", "desk_officer"], &database));
    let id = token.lines().next().and_then(|line| line.rsplit(' ').next()).expect("id").to_owned();
    assert!(token.lines().last().is_some_and(|line| line.starts_with("mc_") && line.len() == 67), "{token}");
    refused(
        &motcua(&["user", "token", "le.van.c", "--name", "x", "--roles", "desk_officer,king"], &database),
        "INVALID_INPUT",
    );
    ok(&motcua(&["user", "revoke-token", &id], &database));
    refused(&motcua(&["user", "revoke-token", &id], &database), "INVALID_INPUT");

    // Every change is in the audit trail, which verifies.
    let verified = ok(&Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(["audit", "verify", "--database", &database])
        .output()
        .expect("runs"));
    assert!(!verified.is_empty());
    let entries = audit_trail(&database);
    assert!(verified.contains(&format!("{} mục / entries in 1 chuỗi / chains", entries.len())), "{verified}");
    let by = |action: &str, target: &str| ("system:cli".to_owned(), action.to_owned(), target.to_owned());
    assert_eq!(
        entries,
        [
            by("user_add", "user:le.van.c"),
            by("user_add", "user:tran.thi.d"),
            by("password_reset", "user:tran.thi.d"),
            by("grant", "user:le.van.c role:desk_officer unit:26740"),
            by("grant", "user:le.van.c role:integrator unit:79"),
            by("revoke_grant", "user:le.van.c role:integrator unit:79"),
            by("user_disable", "user:le.van.c"),
            by("user_enable", "user:le.van.c"),
            by("token_create", &format!("user:le.van.c token:{id} name:cong-dvc")),
            by("token_revoke", &format!("token:{id}")),
        ],
        "one entry per change, none for a refusal or a grant already held"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The audit trail as stored: (actor, action, target) of every entry, in chain order.
fn audit_trail(database: &str) -> Vec<(String, String, String)> {
    use app::AuditStore;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let records = runtime.block_on(async {
        let store = store_sqlite::SqliteStore::connect(database).await.expect("open the database");
        store.audit_page(None, 1_000).await.expect("audit trail")
    });
    assert!(records.iter().all(|record| record.chain == app::accounts::auth::ACCOUNTS_CHAIN), "{records:?}");
    records.into_iter().map(|record| (record.write.actor, record.write.action, record.write.target)).collect()
}
