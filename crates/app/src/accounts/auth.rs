//! Accounts in the service: Argon2id passwords, log-in with backoff, sessions with a CSRF token,
//! scoped API tokens, and the account commands of the CLI and API. Every change and every log-in
//! is written to the audit trail (chain 0, the accounts chain).

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use domain::DomainError;
use jiff::{SignedDuration, Timestamp};

use crate::access::{Action, Actor, Grant, Role};
use crate::accounts::{NewToken, NewUser, SessionRecord, UserRecord};
use crate::audit::AuditWrite;
use crate::service::{Service, stored_precision};
use crate::{StoreError, StoreResult};

/// The audit chain of account events (unit ids start at 1).
pub const ACCOUNTS_CHAIN: i64 = 0;

/// Failed log-ins allowed before the backoff starts.
pub const FREE_FAILURES: i64 = 5;

/// How long a browser session lasts (a working day and then some; absolute, not sliding).
pub const SESSION_LIFETIME: SignedDuration = SignedDuration::from_hours(10);

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// The lock after `failures` consecutive failed log-ins: none for the first
/// [`FREE_FAILURES`] − 1, then 30 s doubling with each further failure, at most an hour.
/// Temporary on purpose: a permanent lock would let anyone shut an officer out of their desk.
pub fn lock_after(failures: i64, at: Timestamp) -> Option<Timestamp> {
    if failures < FREE_FAILURES {
        return None;
    }
    let doublings = u32::try_from((failures - FREE_FAILURES).min(7)).unwrap_or(7);
    let seconds = (30_i64 << doublings).min(3_600);
    at.checked_add(SignedDuration::from_secs(seconds)).ok()
}

/// A new browser session: the cookie's token and the CSRF token (both shown once).
#[derive(Debug, Clone)]
pub struct LoginSession {
    /// The session cookie's value.
    pub token: String,
    /// The CSRF token state-changing requests must carry.
    pub csrf_token: String,
    /// When it ends.
    pub expires_at: Timestamp,
    /// Who logged in.
    pub actor: Actor,
    /// Display name.
    pub display_name: String,
}

fn unauthenticated(code: &'static str, message: &str) -> StoreError {
    StoreError::Unauthenticated(DomainError::new(code, message.to_owned()))
}

fn invalid(code: &'static str, message: String) -> StoreError {
    StoreError::Domain(DomainError::new(code, message))
}

/// A random token: 32 bytes, hex.
fn random_token() -> StoreResult<String> {
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes).map_err(|error| StoreError::Database(format!("no randomness: {error}")))?;
    Ok(hex::encode(bytes))
}

/// SHA-256 of a token, hex (what the database keeps).
pub fn token_hash(token: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

fn check_login_name(login: &str) -> StoreResult<()> {
    let valid = (2..=64).contains(&login.len())
        && login.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || b".-_".contains(&byte));
    if valid {
        Ok(())
    } else {
        Err(invalid(
            "USER_INVALID_LOGIN",
            format!(
                "tên đăng nhập gồm 2–64 chữ thường không dấu, số, '.', '-', '_' / a login is 2–64 lower-case ASCII letters, digits, '.', '-', '_': {login:?}"
            ),
        ))
    }
}

fn check_password(password: &str) -> StoreResult<()> {
    let chars = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=128).contains(&chars) {
        return Err(invalid(
            "PASSWORD_TOO_WEAK",
            format!(
                "mật khẩu cần {MIN_PASSWORD_CHARS}–128 ký tự / a password has {MIN_PASSWORD_CHARS} to 128 characters"
            ),
        ));
    }
    Ok(())
}

/// Passwords are compared in NFC (the same word typed with a different Vietnamese keyboard mode
/// is the same password), never trimmed.
fn nfc(password: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    password.nfc().collect()
}

/// Hashes a password with Argon2id (OWASP parameters: 19 MiB, 2 passes), off the async threads.
pub async fn hash_password(password: &str) -> StoreResult<String> {
    let password = nfc(password);
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|error| StoreError::Database(format!("password hashing failed: {error}")))
    })
    .await
    .map_err(|error| StoreError::Database(format!("password hashing failed: {error}")))?
}

/// Checks a password against a stored hash, off the async threads.
async fn password_matches(password: &str, hash: &str) -> bool {
    let (password, hash) = (nfc(password), hash.to_owned());
    tokio::task::spawn_blocking(move || Argon2::default().verify_password(password.as_bytes(), hash.as_str()).is_ok())
        .await
        .unwrap_or(false)
}

/// A valid hash of a password nobody knows: unknown logins cost the same time as known ones.
const DECOY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$bW90Y3VhLWRlY295LXNhbHQ$9bbn5a0Q2sTnKv4gKp7jl7dB2wYgM6b0v7yWf9m1xZU";

impl Service {
    async fn audit_account(&self, actor: &Actor, action: &str, target: &str, at: Timestamp) -> StoreResult<()> {
        self.store()
            .audit_append(AuditWrite {
                chain: ACCOUNTS_CHAIN,
                at: stored_precision(at),
                actor: actor.name.clone(),
                action: action.to_owned(),
                target: target.to_owned(),
                client: actor.client.clone(),
            })
            .await
    }

    /// The grants of an account, as access grants (unknown role names are ignored).
    async fn grants(&self, user_id: i64) -> StoreResult<Vec<Grant>> {
        Ok(access_grants(self.store().grants_of(user_id).await?, None))
    }

    async fn user(&self, login: &str) -> StoreResult<UserRecord> {
        self.store()
            .user_by_login(login)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("tài khoản / account {login}")))
    }

    /// Account management is allowed to an administrator whose scope covers every unit the
    /// account holds a role on (a new account holds none).
    async fn authorize_account(&self, by: &Actor, user_id: Option<i64>, login: &str) -> StoreResult<()> {
        if by.is_system() {
            return Ok(());
        }
        let what = format!("tài khoản / account {login}");
        if !by.may_somewhere(Action::ManageAccounts) {
            return Err(StoreError::Forbidden(what));
        }
        if let Some(user_id) = user_id {
            for grant in self.grants(user_id).await? {
                self.authorize(by, Action::ManageAccounts, &[grant.unit_id], &what).await?;
            }
        }
        Ok(())
    }

    /// Creates an account (no roles yet).
    pub async fn add_user(
        &self,
        login: &str,
        display_name: &str,
        password: &str,
        by: &Actor,
        at: Timestamp,
    ) -> StoreResult<i64> {
        check_login_name(login)?;
        check_password(password)?;
        let display_name = domain::catalog::normalize_text(display_name);
        if display_name.is_empty() || display_name.chars().count() > 200 {
            return Err(invalid(
                "USER_INVALID_NAME",
                "cần họ tên (tối đa 200 ký tự) / a display name is required (at most 200 characters)".to_owned(),
            ));
        }
        self.authorize_account(by, None, login).await?;
        let user = NewUser {
            login: login.to_owned(),
            display_name,
            password_hash: hash_password(password).await?,
            created_at: stored_precision(at),
        };
        let id = self.store().create_user(&user).await?;
        self.audit_account(by, "user_add", &format!("user:{login}"), at).await?;
        Ok(id)
    }

    /// Sets a new password; clears the lock and ends the account's sessions.
    pub async fn reset_password(&self, login: &str, password: &str, by: &Actor, at: Timestamp) -> StoreResult<()> {
        check_password(password)?;
        let user = self.user(login).await?;
        self.authorize_account(by, Some(user.id), login).await?;
        self.store().set_password(user.id, &hash_password(password).await?).await?;
        self.audit_account(by, "password_reset", &format!("user:{login}"), at).await
    }

    /// Disables (or enables again) an account; disabling ends its sessions and stops its tokens.
    pub async fn set_user_disabled(&self, login: &str, disabled: bool, by: &Actor, at: Timestamp) -> StoreResult<()> {
        let user = self.user(login).await?;
        self.authorize_account(by, Some(user.id), login).await?;
        self.store().set_disabled(user.id, disabled).await?;
        let action = if disabled { "user_disable" } else { "user_enable" };
        self.audit_account(by, action, &format!("user:{login}"), at).await
    }

    /// Grants a role on a unit (by code, in the structure in force on `at`'s day); false if the
    /// account already had it.
    pub async fn grant(
        &self,
        login: &str,
        role: Role,
        unit_code: &str,
        by: &Actor,
        at: Timestamp,
    ) -> StoreResult<bool> {
        let user = self.user(login).await?;
        let unit = self.unit_for_grant(unit_code, at).await?;
        self.authorize(by, Action::ManageAccounts, &[unit.id], &format!("đơn vị / unit {unit_code}")).await?;
        let added = self.store().add_grant(user.id, role.as_str(), unit.id).await?;
        if added {
            let target = format!("user:{login} role:{} unit:{}", role.as_str(), unit.code);
            self.audit_account(by, "grant", &target, at).await?;
        }
        Ok(added)
    }

    /// Takes a role on a unit away; false if the account did not have it.
    pub async fn revoke_grant(
        &self,
        login: &str,
        role: Role,
        unit_code: &str,
        by: &Actor,
        at: Timestamp,
    ) -> StoreResult<bool> {
        let user = self.user(login).await?;
        let unit = self.unit_for_grant(unit_code, at).await?;
        self.authorize(by, Action::ManageAccounts, &[unit.id], &format!("đơn vị / unit {unit_code}")).await?;
        let removed = self.store().remove_grant(user.id, role.as_str(), unit.id).await?;
        if removed {
            let target = format!("user:{login} role:{} unit:{}", role.as_str(), unit.code);
            self.audit_account(by, "revoke_grant", &target, at).await?;
        }
        Ok(removed)
    }

    async fn unit_for_grant(&self, unit_code: &str, at: Timestamp) -> StoreResult<crate::UnitRecord> {
        self.store()
            .find_unit(unit_code, domain::dossier::local_day(at))
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("đơn vị / unit {unit_code}")))
    }

    /// An account's grants as (role, unit code).
    pub async fn grants_of(&self, login: &str) -> StoreResult<Vec<(Role, String)>> {
        let user = self.user(login).await?;
        let mut grants = Vec::new();
        for grant in self.grants(user.id).await? {
            let unit = self.store().unit_by_id(grant.unit_id).await?;
            grants.push((grant.role, unit.map_or_else(|| format!("#{}", grant.unit_id), |unit| unit.code)));
        }
        Ok(grants)
    }

    /// Creates an API token for an account, limited to some of its roles; returns its id and the
    /// token (shown once; only its hash is kept).
    pub async fn create_api_token(
        &self,
        login: &str,
        name: &str,
        roles: &[Role],
        by: &Actor,
        at: Timestamp,
    ) -> StoreResult<(i64, String)> {
        let user = self.user(login).await?;
        self.authorize_account(by, Some(user.id), login).await?;
        let name = domain::catalog::normalize_text(name);
        if name.is_empty() || name.chars().count() > 100 {
            return Err(invalid(
                "TOKEN_INVALID_NAME",
                "cần tên mã truy cập (tối đa 100 ký tự) / a token needs a name (at most 100 characters)".to_owned(),
            ));
        }
        if roles.is_empty() {
            return Err(invalid(
                "TOKEN_NO_ROLE",
                "mã truy cập cần ít nhất một vai trò / a token needs at least one role".to_owned(),
            ));
        }
        let token = random_token()?;
        let record = NewToken {
            token_hash: token_hash(&token),
            user_id: user.id,
            name: name.clone(),
            roles: roles.iter().map(|role| role.as_str().to_owned()).collect(),
            created_at: stored_precision(at),
        };
        let id = self.store().create_token(&record).await?;
        self.audit_account(by, "token_create", &format!("user:{login} token:{id} name:{name}"), at).await?;
        Ok((id, format!("mc_{token}")))
    }

    /// Revokes an API token; false if unknown or already revoked.
    pub async fn revoke_api_token(&self, token_id: i64, by: &Actor, at: Timestamp) -> StoreResult<bool> {
        if !by.is_system() && !by.may_somewhere(Action::ManageAccounts) {
            return Err(StoreError::Forbidden(format!("mã truy cập / token {token_id}")));
        }
        let revoked = self.store().revoke_token(token_id, stored_precision(at)).await?;
        if revoked {
            self.audit_account(by, "token_revoke", &format!("token:{token_id}"), at).await?;
        }
        Ok(revoked)
    }

    /// Logs in: checks the password (Argon2id), counts failures with backoff, and opens a
    /// session. Wrong login and wrong password answer alike and take the same time.
    pub async fn login(
        &self,
        login: &str,
        password: &str,
        client: Option<String>,
        at: Timestamp,
    ) -> StoreResult<LoginSession> {
        const FAILED: &str = "sai tên đăng nhập hoặc mật khẩu / wrong login or password";
        let Some(user) = self.store().user_by_login(login).await? else {
            password_matches(password, DECOY_HASH).await;
            return Err(unauthenticated("LOGIN_FAILED", FAILED));
        };
        let as_user = Actor::account(&user.login, Vec::new(), client.clone());
        if let Some(until) = user.locked_until.filter(|until| *until > at) {
            let seconds = until.duration_since(at).as_secs().max(1);
            return Err(StoreError::Unauthenticated(DomainError::new(
                "ACCOUNT_LOCKED",
                format!(
                    "đăng nhập sai nhiều lần, thử lại sau {seconds} giây / too many failed log-ins; try again in {seconds} s"
                ),
            )));
        }
        if !password_matches(password, &user.password_hash).await {
            let failures = self.store().record_login_failure(user.id, &|failures| lock_after(failures, at)).await?;
            let action = if lock_after(failures, at).is_some() { "login_locked" } else { "login_failed" };
            self.audit_account(&as_user, action, &format!("user:{}", user.login), at).await?;
            return Err(unauthenticated("LOGIN_FAILED", FAILED));
        }
        if user.disabled {
            return Err(unauthenticated(
                "ACCOUNT_DISABLED",
                "tài khoản đã bị khóa, liên hệ quản trị / the account is disabled; ask an administrator",
            ));
        }
        self.store().record_login_success(user.id).await?;
        let token = random_token()?;
        let created_at = stored_precision(at);
        let expires_at = created_at.checked_add(SESSION_LIFETIME).unwrap_or(created_at);
        let session = SessionRecord {
            token_hash: token_hash(&token),
            user_id: user.id,
            csrf_token: random_token()?,
            created_at,
            expires_at,
        };
        self.store().create_session(&session).await?;
        self.audit_account(&as_user, "login", &format!("user:{}", user.login), at).await?;
        let actor = Actor::account(&user.login, self.grants(user.id).await?, client);
        Ok(LoginSession { token, csrf_token: session.csrf_token, expires_at, actor, display_name: user.display_name })
    }

    /// Ends a session.
    pub async fn logout(&self, token: &str, actor: &Actor, at: Timestamp) -> StoreResult<()> {
        self.store().delete_session(&token_hash(token)).await?;
        self.audit_account(actor, "logout", &format!("user:{}", actor.name), at).await
    }

    /// The actor of a session cookie, with the session's CSRF token and the display name; `None`
    /// when the session is unknown, expired, or its account disabled. One query.
    pub async fn session_actor(
        &self,
        token: &str,
        client: Option<String>,
        at: Timestamp,
    ) -> StoreResult<Option<(Actor, String, String)>> {
        let Some(principal) = self.store().session_principal(&token_hash(token)).await? else { return Ok(None) };
        if principal.credential.expires_at <= at || principal.user.disabled {
            return Ok(None);
        }
        let actor = Actor::account(&principal.user.login, access_grants(principal.grants, None), client);
        Ok(Some((actor, principal.credential.csrf_token, principal.user.display_name)))
    }

    /// The actor of an API token (`mc_...`), limited to the token's roles; `None` when unknown,
    /// revoked, or its account disabled. One query.
    pub async fn token_actor(&self, token: &str, client: Option<String>) -> StoreResult<Option<Actor>> {
        let Some(secret) = token.strip_prefix("mc_") else { return Ok(None) };
        let Some(principal) = self.store().token_principal(&token_hash(secret)).await? else { return Ok(None) };
        if principal.credential.revoked_at.is_some() || principal.user.disabled {
            return Ok(None);
        }
        let grants = access_grants(principal.grants, Some(&principal.credential.roles));
        Ok(Some(Actor::account(&principal.user.login, grants, client)))
    }
}

/// Stored grants as access grants, limited to `roles` when given (a token's); unknown role names
/// are ignored.
fn access_grants(stored: Vec<(String, i64)>, roles: Option<&[String]>) -> Vec<Grant> {
    stored
        .into_iter()
        .filter(|(role, _)| roles.is_none_or(|roles| roles.iter().any(|allowed| allowed == role)))
        .filter_map(|(role, unit_id)| Role::parse(&role).map(|role| Grant { role, unit_id }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_starts_after_the_free_failures_and_is_capped() {
        let at: Timestamp = "2026-03-09T02:00:00Z".parse().unwrap();
        let lock = |failures| lock_after(failures, at).map(|until| until.duration_since(at).as_secs());
        assert_eq!(lock(1), None);
        assert_eq!(lock(FREE_FAILURES - 1), None);
        assert_eq!(lock(FREE_FAILURES), Some(30));
        assert_eq!(lock(FREE_FAILURES + 1), Some(60));
        assert_eq!(lock(FREE_FAILURES + 6), Some(1_920));
        assert_eq!(lock(FREE_FAILURES + 7), Some(3_600));
        assert_eq!(lock(1_000), Some(3_600));
    }

    #[test]
    fn login_names_and_passwords_are_checked() {
        assert!(check_login_name("nguyen.van-a_1").is_ok());
        assert!(check_login_name("Nguyen").is_err());
        assert!(check_login_name("nguyễn").is_err());
        assert!(check_login_name("a").is_err());
        assert!(check_password("short").is_err());
        assert!(check_password("mật khẩu đủ dài").is_ok());
    }

    #[tokio::test]
    async fn the_decoy_hash_is_a_valid_argon2id_hash_and_passwords_round_trip() {
        assert!(!password_matches("anything", DECOY_HASH).await);
        assert!(argon2::password_hash::phc::PasswordHash::new(DECOY_HASH).is_ok());
        let hash = hash_password("một mật khẩu dài").await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(password_matches("một mật khẩu dài", &hash).await);
        assert!(!password_matches("mot mat khau dai", &hash).await);
    }
}
