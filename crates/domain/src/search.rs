//! Searching Vietnamese text as people type it: with or without diacritics, in any case, with
//! extra spaces. "giay phep xay dung" finds "Cấp giấy phép xây dựng"; "dang ky khai sinh" finds
//! "Đăng ký khai sinh"; a query with diacritics must match them ("giấy" does not find "giày").

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lower case, `đ` → `d`, combining marks (tones and vowel marks) removed, runs of anything that
/// is not a letter or digit collapsed to one space.
pub fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    let mut space = true;
    for character in text.nfd().filter(|character| !is_combining_mark(*character)) {
        let character = match character {
            'đ' | 'Đ' => 'd',
            other => other,
        };
        if character.is_alphanumeric() {
            folded.extend(character.to_lowercase());
            space = false;
        } else if !space {
            folded.push(' ');
            space = true;
        }
    }
    if folded.ends_with(' ') {
        folded.pop();
    }
    folded
}

/// Lower case and NFC, spaces collapsed, diacritics kept.
fn lower(text: &str) -> String {
    let mut lowered = String::with_capacity(text.len());
    for word in text.nfc().collect::<String>().split(|character: char| !character.is_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        if !lowered.is_empty() {
            lowered.push(' ');
        }
        lowered.extend(word.chars().flat_map(char::to_lowercase));
    }
    lowered
}

/// A query, prepared once for matching many texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    words: Vec<String>,
    /// Whether the query carries diacritics (then they must match).
    exact: bool,
}

impl Query {
    /// Prepares a query; `None` when it has no letter or digit.
    pub fn new(text: &str) -> Option<Query> {
        let folded = fold(text);
        if folded.is_empty() {
            return None;
        }
        let exact = lower(text) != folded;
        let words = if exact { lower(text) } else { folded }.split(' ').map(str::to_owned).collect();
        Some(Query { words, exact })
    }

    /// How well `text` matches: `None` when some word of the query is missing; otherwise a score
    /// (higher is better: whole words, then words at the start).
    pub fn score(&self, text: &str) -> Option<u32> {
        let haystack = if self.exact { lower(text) } else { fold(text) };
        let words: Vec<&str> = haystack.split(' ').collect();
        let mut score = 0;
        for word in &self.words {
            if words.iter().any(|candidate| candidate == word) {
                score += 3;
            } else if words.iter().any(|candidate| candidate.starts_with(word.as_str())) {
                score += 1;
            } else if !haystack.contains(word.as_str()) {
                return None;
            }
        }
        let phrase = self.words.join(" ");
        if haystack.contains(&phrase) {
            score += 5;
        }
        if haystack.starts_with(&phrase) {
            score += 2;
        }
        Some(score)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_removes_tones_marks_and_case() {
        assert_eq!(fold("Cấp giấy phép xây dựng"), "cap giay phep xay dung");
        assert_eq!(fold("  ĐĂNG KÝ   khai-sinh "), "dang ky khai sinh");
        let decomposed: String = "Đăng ký khai sinh".nfd().collect();
        assert_eq!(fold(&decomposed), "dang ky khai sinh");
        assert_eq!(fold("Thủ tục 1.004873"), "thu tuc 1 004873");
    }

    #[test]
    fn queries_without_diacritics_find_texts_with_them() {
        let query = Query::new("giay phep xay dung").unwrap();
        assert!(query.score("Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ").is_some());
        assert!(query.score("Cấp giấy chứng nhận quyền sử dụng đất").is_none());
        let query = Query::new("dang ky khai sinh").unwrap();
        assert!(query.score("Đăng ký khai sinh").is_some());
        assert!(
            Query::new("khai sinh").unwrap().score("Đăng ký khai sinh")
                > Query::new("khai").unwrap().score("Đăng ký khai tử")
        );
    }

    #[test]
    fn queries_with_diacritics_must_match_them() {
        let query = Query::new("giấy").unwrap();
        assert!(query.score("Cấp giấy phép").is_some());
        assert!(query.score("Bán giày dép").is_none());
        assert!(Query::new("   ").is_none());
        assert!(Query::new("--").is_none());
    }

    #[test]
    fn prefixes_and_codes_match() {
        assert!(Query::new("xay dun").unwrap().score("Cấp giấy phép xây dựng").is_some());
        assert!(Query::new("1.004873").unwrap().score("1.004873 Xác nhận tình trạng hôn nhân").is_some());
    }
}
