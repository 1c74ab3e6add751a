//! A coarse reading of the user agent for rules: device type, OS and browser.

use crate::core::json::{Map, Value};
use crate::core::text::contains_str;

/// `{type, os, browser, language}` for the attribute document.
pub fn describe(user_agent: &str, language: Option<&str>) -> Value {
    let ua = user_agent;
    let has = |s: &str| contains_str(ua, s);
    let kind = if has("bot") || has("Bot") || has("crawler") || has("Spider") {
        "bot"
    } else if has("iPad") || (has("Android") && !has("Mobile")) || has("Tablet") {
        "tablet"
    } else if has("Mobi") || has("iPhone") || has("Android") {
        "mobile"
    } else {
        "desktop"
    };
    let os = if has("iPhone") || has("iPad") || has("iPod") {
        "iOS"
    } else if has("Android") {
        "Android"
    } else if has("Windows") {
        "Windows"
    } else if has("CrOS") {
        "ChromeOS"
    } else if has("Mac OS X") || has("Macintosh") {
        "macOS"
    } else if has("Linux") {
        "Linux"
    } else {
        "other"
    };
    let browser = if has("Edg/") {
        "Edge"
    } else if has("OPR/") || has("Opera") {
        "Opera"
    } else if has("SamsungBrowser") {
        "Samsung Internet"
    } else if has("Firefox/") || has("FxiOS") {
        "Firefox"
    } else if has("Chrome/") || has("CriOS") || has("Chromium") {
        "Chrome"
    } else if has("Safari/") {
        "Safari"
    } else {
        "other"
    };
    let mut m = Map::with_capacity(4);
    m.insert("type", Value::from(kind));
    m.insert("os", Value::from(os));
    m.insert("browser", Value::from(browser));
    m.insert("language", Value::from(language));
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_common_agents() {
        let d = |ua: &str| {
            let v = describe(ua, Some("en-GB"));
            (
                v["type"].as_str().unwrap_or("").to_string(),
                v["os"].as_str().unwrap_or("").to_string(),
                v["browser"].as_str().unwrap_or("").to_string(),
            )
        };
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(d(iphone), ("mobile".into(), "iOS".into(), "Safari".into()));
        let win = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 Edg/120.0";
        assert_eq!(d(win), ("desktop".into(), "Windows".into(), "Edge".into()));
        let tab = "Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";
        assert_eq!(d(tab), ("tablet".into(), "Android".into(), "Chrome".into()));
        let headless = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0 Safari/537.36";
        assert_eq!(d(headless).1, "Linux");
        assert_eq!(describe("", Some("de"))["language"], "de");
    }
}
