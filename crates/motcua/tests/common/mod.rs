//! Shared by the integration tests that drive `motcua serve` over HTTP.

use std::process::Command;

/// Creates a staff account through `motcua user` (desk and processing officer for the whole city,
/// head of `unit`) and returns an API token for it.
pub fn staff_token(url: &str, login: &str, unit: &str) -> String {
    let run = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_motcua"))
            .args(args)
            .args(["--database", url])
            .env_remove("MOTCUA_CONFIG")
            .env_remove("MOTCUA_DATABASE_URL")
            .output()
            .expect("runs");
        assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    run(&["user", "add", login, "--name", "Cán bộ kiểm thử"]);
    run(&["user", "grant", login, "desk_officer", "79"]);
    run(&["user", "grant", login, "processing_officer", "79"]);
    run(&["user", "grant", login, "unit_head", unit]);
    let printed =
        run(&["user", "token", login, "--name", "tests", "--roles", "desk_officer,processing_officer,unit_head"]);
    printed.lines().last().expect("token line").trim().to_owned()
}

/// An HTTP client sending the token with every request.
pub fn client_with(token: &str, timeout: std::time::Duration) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::AUTHORIZATION, format!("Bearer {token}").parse().expect("header"));
    reqwest::Client::builder().no_proxy().timeout(timeout).default_headers(headers).build().expect("client")
}
