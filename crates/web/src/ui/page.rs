//! The frame of every page (language, navigation, the language switch), rendering, and the error
//! page with the status a page handler fails with.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::i18n::{Lang, Texts};

/// One entry of the main navigation.
pub struct NavItem {
    /// Link.
    pub href: String,
    /// Text.
    pub label: &'static str,
    /// Whether it is the current section.
    pub current: bool,
}

/// What every page's frame needs: language, texts, navigation, the other language's address.
pub struct Chrome {
    /// Texts of the page's language.
    pub t: &'static Texts,
    /// `vi` or `en`.
    pub lang: &'static str,
    /// `""` or `/en`.
    pub prefix: &'static str,
    /// The same page in the other language.
    pub other_href: String,
    /// The other language's code.
    pub other_lang: &'static str,
    /// Main navigation.
    pub nav: Vec<NavItem>,
}

/// The sections of the portal: (path after the language prefix, text key).
const SECTIONS: [(&str, &str); 7] = [
    ("/", "nav.home"),
    ("/thu-tuc", "nav.catalogue"),
    ("/tra-cuu", "nav.lookup"),
    ("/xac-thuc", "nav.verify"),
    ("/thong-ke", "nav.stats"),
    ("/du-lieu-mo", "nav.open_data"),
    ("/can-bo", "nav.staff"),
];

impl Chrome {
    /// The frame of a page in `section` (a path of [`SECTIONS`]); `here` is the page's path and
    /// query without the language prefix, for the language switch.
    pub fn new(lang: Lang, section: &str, here: &str) -> Chrome {
        let t = lang.texts();
        let other = if lang == Lang::Vi { Lang::En } else { Lang::Vi };
        let other_href = match (other, here) {
            (Lang::En, "/") => "/en".to_owned(),
            (Lang::En, path) => format!("/en{path}"),
            (Lang::Vi, path) => path.to_owned(),
        };
        let nav = SECTIONS
            .iter()
            .map(|(path, key)| NavItem {
                href: if *path == "/" { format!("{}/", lang.prefix()) } else { format!("{}{path}", lang.prefix()) },
                label: t.get(key),
                current: *path == section,
            })
            .collect();
        Chrome { t, lang: lang.code(), prefix: lang.prefix(), other_href, other_lang: other.code(), nav }
    }
}

/// The path and query of a request without the language prefix.
pub fn here(uri: &axum::http::Uri) -> String {
    let path = uri.path();
    let path = path.strip_prefix("/en").filter(|rest| rest.is_empty() || rest.starts_with('/')).unwrap_or(path);
    let path = if path.is_empty() { "/" } else { path };
    match uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_owned(),
    }
}

/// Renders a template as an HTML page (a template error is logged and becomes the error page).
pub fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(error) => {
            tracing::error!(error = %error, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, Html("<h1>500</h1>".to_owned())).into_response()
        }
    }
}

/// The error page.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    /// Frame.
    pub chrome: Chrome,
    /// What to say.
    pub message: String,
}

/// An error leaving a page handler: an HTML page with the status, in the page's language.
pub struct PageError {
    status: StatusCode,
    lang: Lang,
    message: String,
}

impl PageError {
    /// Not found, with the page's own message.
    pub fn not_found(lang: Lang, message: &str) -> PageError {
        PageError { status: StatusCode::NOT_FOUND, lang, message: message.to_owned() }
    }

    /// Refused (roles, CSRF).
    pub fn forbidden(lang: Lang, message: &str) -> PageError {
        PageError { status: StatusCode::FORBIDDEN, lang, message: message.to_owned() }
    }

    /// A failure of ours (logged with the request id; the visitor gets a general message).
    pub fn internal(lang: Lang, error: &dyn std::fmt::Display) -> PageError {
        tracing::error!(request_id = %crate::error::request_id(), error = %error, "page failed");
        PageError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            lang,
            message: lang.texts().get("error.internal").to_owned(),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let page = ErrorPage { chrome: Chrome::new(self.lang, "", "/"), message: self.message };
        (self.status, render(&page)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_without_the_language() {
        let uri = |text: &str| text.parse::<axum::http::Uri>().unwrap();
        assert_eq!(here(&uri("/en/thu-tuc?q=a")), "/thu-tuc?q=a");
        assert_eq!(here(&uri("/en")), "/");
        assert_eq!(here(&uri("/thu-tuc/1.004873")), "/thu-tuc/1.004873");
        assert_eq!(here(&uri("/entry")), "/entry");
    }

    #[test]
    fn the_language_switch_keeps_the_page() {
        assert_eq!(Chrome::new(Lang::Vi, "/thu-tuc", "/thu-tuc?q=x").other_href, "/en/thu-tuc?q=x");
        assert_eq!(Chrome::new(Lang::En, "/thu-tuc", "/thu-tuc").other_href, "/thu-tuc");
        assert_eq!(Chrome::new(Lang::Vi, "/", "/").other_href, "/en");
    }
}
