//! Interface texts: Vietnamese by default, English under `/en`. The texts live in message
//! catalogues (`messages/vi.toml`, `messages/en.toml`), not in Rust code or templates.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// The interface language, from the path: `/en/...` is English, everything else Vietnamese.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Tiếng Việt (default).
    Vi,
    /// English.
    En,
}

impl Lang {
    /// The language of a path.
    pub fn of_path(path: &str) -> Lang {
        if path == "/en" || path.starts_with("/en/") { Lang::En } else { Lang::Vi }
    }

    /// BCP 47 code.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// The path prefix of the language (`""` or `/en`).
    pub fn prefix(self) -> &'static str {
        match self {
            Lang::Vi => "",
            Lang::En => "/en",
        }
    }

    /// Its texts.
    pub fn texts(self) -> &'static Texts {
        static VI: OnceLock<Texts> = OnceLock::new();
        static EN: OnceLock<Texts> = OnceLock::new();
        match self {
            Lang::Vi => VI.get_or_init(|| Texts::parse(include_str!("../../messages/vi.toml"))),
            Lang::En => EN.get_or_init(|| Texts::parse(include_str!("../../messages/en.toml"))),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang::of_path(parts.uri.path()))
    }
}

/// One language's texts by key.
#[derive(Debug)]
pub struct Texts {
    texts: HashMap<String, String>,
}

impl Texts {
    fn parse(source: &str) -> Texts {
        // The catalogues are part of the binary and checked by a test, so a parse failure here
        // is a build defect; an empty catalogue shows keys rather than crash a page.
        let texts = toml::from_str::<HashMap<String, String>>(source).unwrap_or_default();
        Texts { texts }
    }

    /// The text of a key (the key itself when missing: visible, never a crash).
    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.texts.get(key).map_or(key, String::as_str)
    }

    /// The text of a key built at run time (the key itself when missing).
    pub fn text(&self, key: &str) -> String {
        self.texts.get(key).cloned().unwrap_or_else(|| key.to_owned())
    }

    /// Whether a key exists.
    pub fn has(&self, key: &str) -> bool {
        self.texts.contains_key(key)
    }

    /// Every key.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.texts.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogues_parse_and_have_the_same_keys() {
        let (vi, en) = (Lang::Vi.texts(), Lang::En.texts());
        assert!(vi.keys().count() > 50);
        let mut vi_keys: Vec<&str> = vi.keys().collect();
        let mut en_keys: Vec<&str> = en.keys().collect();
        vi_keys.sort_unstable();
        en_keys.sort_unstable();
        assert_eq!(vi_keys, en_keys);
    }

    #[test]
    fn every_key_a_template_or_page_uses_exists() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        // Every template and every source file, in the contexts' folders too.
        let mut sources = Vec::new();
        let mut folders = vec![dir.join("templates"), dir.join("src")];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(folder).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    folders.push(path);
                } else {
                    sources.push((path.display().to_string(), std::fs::read_to_string(&path).unwrap()));
                }
            }
        }
        let mut used = 0;
        for (file, text) in &sources {
            for piece in text.split("get(\"").skip(1) {
                let key = &piece[..piece.find('"').unwrap()];
                if key.contains('.') && !key.contains(' ') {
                    used += 1;
                    assert!(Lang::Vi.texts().has(key), "{file}: {key} missing from vi.toml");
                }
            }
            for piece in text.split("key: \"").skip(1) {
                let key = &piece[..piece.find('"').unwrap()];
                assert!(Lang::Vi.texts().has(key), "{file}: {key} missing from vi.toml");
            }
        }
        assert!(used > 20, "the scan found the keys ({used})");
    }

    #[test]
    fn the_language_comes_from_the_path() {
        assert_eq!(Lang::of_path("/en/thu-tuc"), Lang::En);
        assert_eq!(Lang::of_path("/en"), Lang::En);
        assert_eq!(Lang::of_path("/thu-tuc"), Lang::Vi);
        assert_eq!(Lang::of_path("/entry"), Lang::Vi);
    }
}
