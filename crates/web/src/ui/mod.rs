//! What every server-rendered page shares (Vietnamese at `/`, English under `/en`): the frame
//! ([`Chrome`]), the language and its texts, rendering, the error page, the logged-in officer,
//! and how times and durations are written. The pages themselves live in their contexts.
//! Templates (askama, checked at compile time) are in `templates/` (the shared layout at the top,
//! each context's pages in its folder), texts in `messages/`, the stylesheet in `static/`. No
//! JavaScript is needed to use the portal.

pub mod i18n;
pub mod officer;
pub mod page;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use jiff::Timestamp;
use jiff::civil::Date;

use crate::state::AppState;
pub use i18n::{Lang, Texts};
pub use officer::{Officer, store_error};
pub use page::{Chrome, PageError, here, render};

/// The path prefixes of the languages: every page is routed under both.
pub const PREFIXES: [&str; 2] = ["", "/en"];

async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../static/app.css"),
    )
}

/// The shared routes of the pages (the stylesheet).
pub fn router() -> Router<AppState> {
    Router::new().route("/static/app.css", get(stylesheet))
}

/// Local time as people read it: `14:05 09/03/2026`.
pub fn local_time(instant: Timestamp) -> String {
    instant.to_zoned(calendar::ho_chi_minh_time_zone()).strftime("%H:%M %d/%m/%Y").to_string()
}

/// Today in Ho Chi Minh City, by the state's clock.
pub fn today(state: &AppState) -> Date {
    domain::dossier::local_day(state.clock.now())
}

/// Office time as people say it: `2 ngày 3 giờ`, `45 phút`, negative when overdue.
pub fn office_duration(t: &Texts, seconds: i64, day_seconds: i64) -> String {
    let sign = if seconds < 0 { "−" } else { "" };
    let seconds = seconds.unsigned_abs() as i64;
    let (days, rest) = (seconds / day_seconds.max(1), seconds % day_seconds.max(1));
    let (hours, minutes) = (rest / 3_600, rest % 3_600 / 60);
    if days > 0 {
        format!("{sign}{days} {} {hours} {}", t.get("staff.days"), t.get("staff.hours"))
    } else if hours > 0 {
        format!("{sign}{hours} {} {minutes} {}", t.get("staff.hours"), t.get("staff.minutes"))
    } else {
        format!("{sign}{minutes} {}", t.get("staff.minutes"))
    }
}

/// Percent-encodes a query value (`form_urlencoded`, as a form would: a space is `+`).
pub fn query_value(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn office_durations() {
        let t = Lang::Vi.texts();
        assert_eq!(office_duration(t, 8 * 3_600 * 2 + 3 * 3_600, 8 * 3_600), "2 ngày 3 giờ");
        assert_eq!(office_duration(t, 45 * 60, 8 * 3_600), "45 phút");
        assert_eq!(office_duration(t, -(3_600 + 120), 8 * 3_600), "−1 giờ 2 phút");
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(query_value("AB 12/+&=é"), "AB+12%2F%2B%26%3D%C3%A9");
    }
}
