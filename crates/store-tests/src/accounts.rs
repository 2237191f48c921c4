//! Account scenarios: accounts, grants, log-in failures, sessions, API tokens and the unit tree.

use std::sync::Arc;

use app::Store;
use app::access::Role;
use app::accounts::{NewToken, NewUser, SessionRecord, TokenRecord, UserRecord};
use jiff::Timestamp;

use crate::fixtures::{OTHER_WARD, WARD, instant, seeded};

fn new_user(login: &str, created_at: Timestamp) -> NewUser {
    NewUser {
        login: login.to_owned(),
        display_name: format!("Cán bộ {login}"),
        password_hash: format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$hash-of-{login}"),
        created_at,
    }
}

fn session_for(seed: char, user_id: i64, start: &str, end: &str) -> SessionRecord {
    SessionRecord {
        token_hash: seed.to_string().repeat(64),
        user_id,
        csrf_token: format!("csrf-{seed}"),
        created_at: instant(start),
        expires_at: instant(end),
    }
}

/// Accounts, grants, log-in failures, sessions and API tokens round-trip through the store; the
/// unit tree the access checks use has every unit of every structure with its parent.
pub async fn accounts_round_trip(store: Arc<dyn Store>) {
    let _service = seeded(store.clone()).await;
    let created = instant("2026-03-09T08:00:00+07:00");

    // Accounts.
    let lan = store.create_user(&new_user("lan.nguyen", created)).await.expect("create lan");
    let binh = store.create_user(&new_user("binh.tran", created)).await.expect("create binh");
    assert_ne!(lan, binh);
    let taken = store
        .create_user(&NewUser { display_name: "Người khác".to_owned(), ..new_user("lan.nguyen", created) })
        .await
        .expect_err("the login is taken");
    assert_eq!(taken.code(), "USER_EXISTS");
    assert!(taken.to_string().contains("lan.nguyen"), "{taken}");
    let expected_lan = UserRecord {
        id: lan,
        login: "lan.nguyen".to_owned(),
        display_name: "Cán bộ lan.nguyen".to_owned(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$hash-of-lan.nguyen".to_owned(),
        disabled: false,
        failed_logins: 0,
        locked_until: None,
        created_at: created,
    };
    assert_eq!(
        store.user_by_login("lan.nguyen").await.unwrap(),
        Some(expected_lan.clone()),
        "the duplicate changed nothing"
    );
    assert_eq!(store.user_by_id(lan).await.unwrap(), Some(expected_lan.clone()));
    assert_eq!(store.user_by_login("LAN.NGUYEN").await.unwrap(), None, "logins are compared exactly");
    assert_eq!(store.user_by_id(lan.max(binh) + 1).await.unwrap(), None);
    let users = store.list_users().await.unwrap();
    let logins: Vec<&str> = users.iter().map(|user| user.login.as_str()).collect();
    assert_eq!(logins, ["binh.tran", "lan.nguyen"]);
    assert_eq!(users[1], expected_lan);

    // Grants.
    let on = jiff::civil::date(2026, 3, 9);
    let ward = store.find_unit(WARD, on).await.unwrap().expect("ward").id;
    let other_ward = store.find_unit(OTHER_WARD, on).await.unwrap().expect("other ward").id;
    let city = store.find_unit("79", on).await.unwrap().expect("city").id;
    let (desk, admin) = (Role::DeskOfficer.as_str(), Role::Administrator.as_str());
    assert!(store.add_grant(lan, desk, other_ward).await.unwrap());
    assert!(store.add_grant(lan, desk, ward).await.unwrap());
    assert!(store.add_grant(lan, admin, city).await.unwrap());
    assert!(!store.add_grant(lan, desk, ward).await.unwrap(), "already granted");
    assert!(store.add_grant(binh, desk, ward).await.unwrap(), "grants are per account");
    let mut desk_units = [ward, other_ward];
    desk_units.sort_unstable();
    assert_eq!(
        store.grants_of(lan).await.unwrap(),
        [(admin.to_owned(), city), (desk.to_owned(), desk_units[0]), (desk.to_owned(), desk_units[1])]
    );
    assert!(store.remove_grant(lan, desk, other_ward).await.unwrap());
    assert!(!store.remove_grant(lan, desk, other_ward).await.unwrap(), "already removed");
    assert!(!store.remove_grant(lan, admin, ward).await.unwrap(), "never granted there");
    assert_eq!(store.grants_of(lan).await.unwrap(), [(admin.to_owned(), city), (desk.to_owned(), ward)]);
    assert_eq!(store.grants_of(binh).await.unwrap(), [(desk.to_owned(), ward)]);

    // Failed log-ins: counted one by one, the lock computed from the count is stored.
    let failed_at = instant("2026-03-09T09:00:00+07:00");
    let lock = move |failures: i64| {
        (failures >= 2).then(|| failed_at.checked_add(jiff::SignedDuration::from_mins(failures)).unwrap())
    };
    for expected in 1..=3 {
        assert_eq!(store.record_login_failure(lan, &lock).await.unwrap(), expected);
        let user = store.user_by_id(lan).await.unwrap().unwrap();
        assert_eq!((user.failed_logins, user.locked_until), (expected, lock(expected)));
    }
    assert_eq!(lock(3), Some(instant("2026-03-09T09:03:00+07:00")));
    assert_eq!(store.user_by_id(binh).await.unwrap().unwrap().failed_logins, 0, "counted per account");
    store.record_login_success(lan).await.unwrap();
    let user = store.user_by_id(lan).await.unwrap().unwrap();
    assert_eq!((user.failed_logins, user.locked_until), (0, None));
    let missing = lan.max(binh) + 1;
    assert_eq!(store.record_login_failure(missing, &lock).await.expect_err("no account").code(), "NOT_FOUND");

    // Sessions: expired ones are still returned (the caller checks), and cleared when a session
    // starting after their end is created.
    let stale = session_for('a', lan, "2026-03-01T08:00:00+07:00", "2026-03-01T16:00:00+07:00");
    let ends_at_start = session_for('b', binh, "2026-03-09T01:00:00+07:00", "2026-03-09T09:00:00+07:00");
    // The later one first: creating it would remove the stale one.
    for session in [&ends_at_start, &stale] {
        store.create_session(session).await.unwrap();
    }
    assert_eq!(store.session(&stale.token_hash).await.unwrap(), Some(stale.clone()), "expired, still returned");
    let lan_desk = session_for('c', lan, "2026-03-09T09:00:00+07:00", "2026-03-09T17:00:00+07:00");
    store.create_session(&lan_desk).await.unwrap();
    assert_eq!(store.session(&stale.token_hash).await.unwrap(), None, "expired before the new start: removed");
    assert_eq!(store.session(&ends_at_start.token_hash).await.unwrap(), Some(ends_at_start.clone()), "ends at it");
    assert_eq!(store.session(&lan_desk.token_hash).await.unwrap(), Some(lan_desk.clone()));
    let lan_laptop = session_for('d', lan, "2026-03-09T09:30:00+07:00", "2026-03-09T17:30:00+07:00");
    let binh_desk = session_for('e', binh, "2026-03-09T09:30:00+07:00", "2026-03-09T17:30:00+07:00");
    for session in [&lan_laptop, &binh_desk] {
        store.create_session(session).await.unwrap();
    }
    assert_eq!(store.session(&ends_at_start.token_hash).await.unwrap(), None);
    store.delete_session(&lan_laptop.token_hash).await.unwrap();
    assert_eq!(store.session(&lan_laptop.token_hash).await.unwrap(), None);
    store.delete_session(&lan_laptop.token_hash).await.unwrap();
    assert_eq!(store.session(&"f".repeat(64)).await.unwrap(), None);

    // A new password clears the failures and the lock and ends the account's sessions only.
    store.create_session(&lan_laptop).await.unwrap();
    store.record_login_failure(lan, &lock).await.unwrap();
    store.record_login_failure(lan, &lock).await.unwrap();
    assert_eq!(store.user_by_id(lan).await.unwrap().unwrap().locked_until, lock(2));
    store.set_password(lan, "$argon2id$v=19$m=19456,t=2,p=1$bmV3c2FsdA$new").await.unwrap();
    let user = store.user_by_id(lan).await.unwrap().unwrap();
    assert_eq!(user.password_hash, "$argon2id$v=19$m=19456,t=2,p=1$bmV3c2FsdA$new");
    assert_eq!((user.failed_logins, user.locked_until, user.disabled), (0, None, false));
    assert_eq!(store.session(&lan_desk.token_hash).await.unwrap(), None);
    assert_eq!(store.session(&lan_laptop.token_hash).await.unwrap(), None);
    assert_eq!(store.session(&binh_desk.token_hash).await.unwrap(), Some(binh_desk.clone()));
    assert_eq!(store.set_password(missing, "x").await.expect_err("no account").code(), "NOT_FOUND");

    // Disabling ends the sessions; enabling does not bring them back.
    store.create_session(&lan_desk).await.unwrap();
    store.set_disabled(binh, true).await.unwrap();
    assert!(store.user_by_id(binh).await.unwrap().unwrap().disabled);
    assert_eq!(store.session(&binh_desk.token_hash).await.unwrap(), None);
    assert_eq!(
        store.session(&lan_desk.token_hash).await.unwrap(),
        Some(lan_desk.clone()),
        "other accounts keep theirs"
    );
    store.set_disabled(binh, false).await.unwrap();
    assert!(!store.user_by_id(binh).await.unwrap().unwrap().disabled);
    assert_eq!(store.session(&binh_desk.token_hash).await.unwrap(), None);
    assert_eq!(store.set_disabled(missing, true).await.expect_err("no account").code(), "NOT_FOUND");
    assert_eq!(store.grants_of(binh).await.unwrap(), [(desk.to_owned(), ward)], "grants outlive a disable");

    // API tokens.
    let portal = NewToken {
        token_hash: "1".repeat(64),
        user_id: binh,
        name: "cong-dvc-quoc-gia".to_owned(),
        roles: vec![Role::Integrator.as_str().to_owned()],
        created_at: created,
    };
    let reports = NewToken {
        token_hash: "2".repeat(64),
        name: "bao-cao".to_owned(),
        roles: vec![Role::Inspector.as_str().to_owned(), Role::DeskOfficer.as_str().to_owned()],
        ..portal.clone()
    };
    let nothing =
        NewToken { token_hash: "3".repeat(64), name: "khong-quyen".to_owned(), roles: vec![], ..portal.clone() };
    let portal_id = store.create_token(&portal).await.unwrap();
    let reports_id = store.create_token(&reports).await.unwrap();
    let nothing_id = store.create_token(&nothing).await.unwrap();
    assert!(portal_id < reports_id && reports_id < nothing_id);
    let record = |id: i64, token: &NewToken, revoked_at: Option<Timestamp>| TokenRecord {
        id,
        user_id: token.user_id,
        name: token.name.clone(),
        roles: token.roles.clone(),
        created_at: token.created_at,
        revoked_at,
    };
    assert_eq!(store.token(&portal.token_hash).await.unwrap(), Some(record(portal_id, &portal, None)));
    assert_eq!(store.token(&"4".repeat(64)).await.unwrap(), None);
    assert_eq!(
        store.tokens_of(binh).await.unwrap(),
        [record(portal_id, &portal, None), record(reports_id, &reports, None), record(nothing_id, &nothing, None)]
    );
    assert_eq!(store.tokens_of(lan).await.unwrap(), []);
    let revoked_at = instant("2026-03-10T10:00:00+07:00");
    assert!(store.revoke_token(portal_id, revoked_at).await.unwrap());
    assert!(!store.revoke_token(portal_id, instant("2026-03-11T10:00:00+07:00")).await.unwrap(), "already revoked");
    assert!(!store.revoke_token(nothing_id + 1, revoked_at).await.unwrap(), "unknown");
    assert_eq!(
        store.token(&portal.token_hash).await.unwrap(),
        Some(record(portal_id, &portal, Some(revoked_at))),
        "revoked tokens are returned, with the first revocation instant"
    );
    assert_eq!(store.token(&reports.token_hash).await.unwrap(), Some(record(reports_id, &reports, None)));
    // A credential with its account and grants in one query: every grant, or none.
    store.add_grant(binh, Role::Inspector.as_str(), ward + 1).await.unwrap();
    let principal = store.token_principal(&reports.token_hash).await.unwrap().expect("principal");
    assert_eq!(principal.credential, record(reports_id, &reports, None));
    assert_eq!(principal.user, store.user_by_id(binh).await.unwrap().unwrap());
    assert_eq!(principal.grants, store.grants_of(binh).await.unwrap());
    assert_eq!(principal.grants.len(), 2);
    let revoked = store.token_principal(&portal.token_hash).await.unwrap().expect("revoked principal");
    assert_eq!(revoked.credential.revoked_at, Some(revoked_at));
    assert_eq!(store.token_principal(&"4".repeat(64)).await.unwrap(), None);
    let lan_principal = store.session_principal(&lan_desk.token_hash).await.unwrap().expect("session principal");
    assert_eq!(lan_principal.credential, lan_desk);
    assert_eq!((lan_principal.user.id, lan_principal.grants.len()), (lan, store.grants_of(lan).await.unwrap().len()));
    assert_eq!(store.session_principal(&binh_desk.token_hash).await.unwrap(), None);

    // The unit tree: every unit of both structures, with its parent.
    let mut expected = std::collections::BTreeMap::new();
    for day in [jiff::civil::date(2024, 6, 1), on] {
        for unit in store.list_units(day).await.unwrap() {
            assert_eq!(expected.insert(unit.id, unit.parent_id), None);
        }
    }
    let parents = store.unit_parents().await.unwrap();
    assert_eq!(parents.len(), 379 + 224, "units of the 2024 and 2025 structures");
    assert_eq!(parents.iter().copied().collect::<std::collections::BTreeMap<_, _>>(), expected);
    let on_2024 = jiff::civil::date(2024, 6, 1);
    let ward_2024 = store.find_unit(WARD, on_2024).await.unwrap().unwrap().id;
    let district_2024 = store.find_unit("760", on_2024).await.unwrap().unwrap().id;
    let city_2024 = store.find_unit("79", on_2024).await.unwrap().unwrap().id;
    let parent_of = |id: i64| parents.iter().find(|(unit, _)| *unit == id).map(|(_, parent)| *parent);
    assert_eq!(parent_of(ward_2024), Some(Some(district_2024)), "2024: ward under its district");
    assert_eq!(parent_of(district_2024), Some(Some(city_2024)), "2024: district under the city");
    assert_eq!(parent_of(city_2024), Some(None), "the city is a root");
    assert_eq!(parent_of(ward), Some(Some(city)), "2025: no district level");
    assert_eq!(parent_of(city), Some(None));
    assert_ne!(city, city_2024);
}
