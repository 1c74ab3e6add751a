//! Arrival attribution: UTM parameters and click ids into `context.campaign`,
//! each arrival classified into a channel, and first/last touch kept.
//!
//! Classification order: UTM medium first, then click ids, then the referrer
//! host against built-in lists of search engines and social networks; a
//! referrer on the same site is not an arrival; no referrer is `direct`.

use crate::cat;
use crate::core::attributes::parse_query;
use crate::core::json::{Map, Value};
use crate::core::profile::{field_opt_str, need_f64, need_str, record};
use crate::core::text::find_str;

/// UTM parameters copied into `context.campaign` (without the `utm_` prefix).
const UTM: [&str; 5] = ["source", "medium", "campaign", "term", "content"];
/// Ad-platform click ids and the channel they imply.
const CLICK_IDS: [(&str, &str, &str); 5] = [
    ("gclid", "paid", "google"),
    ("msclkid", "paid", "bing"),
    ("fbclid", "social", "facebook"),
    ("ttclid", "paid", "tiktok"),
    ("li_fat_id", "paid", "linkedin"),
];
/// Hosts (or host suffixes) of search engines.
const SEARCH: [&str; 10] = [
    "google.",
    "bing.com",
    "duckduckgo.com",
    "yahoo.",
    "baidu.com",
    "yandex.",
    "ecosia.org",
    "search.brave.com",
    "startpage.com",
    "naver.com",
];
/// Hosts (or host suffixes) of social networks.
const SOCIAL: [&str; 14] = [
    "facebook.com",
    "fb.com",
    "instagram.com",
    "t.co",
    "twitter.com",
    "x.com",
    "linkedin.com",
    "lnkd.in",
    "pinterest.",
    "reddit.com",
    "tiktok.com",
    "youtube.com",
    "threads.net",
    "bsky.app",
];

/// Where an arrival came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Touch {
    /// `email`, `paid`, `social`, `search`, `referral` or `direct`.
    pub channel: String,
    /// utm_source, the click id's platform, or the referrer host.
    pub source: Option<String>,
    /// utm_campaign (or the configured e-mail campaign parameter).
    pub campaign: Option<String>,
    /// The landing page URL.
    pub landing: String,
    /// Arrival time, epoch ms.
    pub at: f64,
}

impl Touch {
    /// The stored (and attribute document) form:
    /// `{channel, source?, campaign?, landing, at}`.
    pub fn to_value(&self) -> Value {
        let mut m = Map::with_capacity(5);
        m.insert("channel", Value::from(self.channel.as_str()));
        if let Some(s) = &self.source {
            m.insert("source", Value::from(s.as_str()));
        }
        if let Some(c) = &self.campaign {
            m.insert("campaign", Value::from(c.as_str()));
        }
        m.insert("landing", Value::from(self.landing.as_str()));
        m.insert("at", Value::from(self.at));
        Value::Object(m)
    }

    /// Reads the stored form (`source` and `campaign` may be missing).
    pub fn from_value(v: &Value) -> Result<Self, String> {
        let m = record(v)?;
        Ok(Touch {
            channel: need_str(m, "channel")?.to_string(),
            source: field_opt_str(m, "source")?,
            campaign: field_opt_str(m, "campaign")?,
            landing: need_str(m, "landing")?.to_string(),
            at: need_f64(m, "at")?,
        })
    }
}

/// Reads `context.campaign` from a query string: `utm_*` as `name`/`source`/…
/// (Segment's naming: `utm_campaign` → `name`), click ids as they are, and the
/// e-mail campaign id parameter (`email_param`) as `emailCampaign`.
pub fn campaign_from_query(search: &str, email_param: &str) -> Option<Map> {
    let q = parse_query(search);
    let mut out = Map::new();
    for key in UTM {
        if let Some(v) = q
            .get(&cat!("utm_", key))
            .filter(|v| v.as_str().is_some_and(|s| !s.is_empty()))
        {
            out.insert(if key == "campaign" { "name" } else { key }, v.clone());
        }
    }
    for (id, _, _) in CLICK_IDS {
        if let Some(v) = q
            .get(id)
            .filter(|v| v.as_str().is_some_and(|s| !s.is_empty()))
        {
            out.insert(id, v.clone());
        }
    }
    if let Some(v) = q
        .get(email_param)
        .filter(|v| v.as_str().is_some_and(|s| !s.is_empty()))
    {
        out.insert("emailCampaign", v.clone());
    }
    (!out.is_empty()).then_some(out)
}

/// The host of a URL (`https://www.google.com/x` → `www.google.com`), lowercased.
pub fn host_of(url: &str) -> Option<String> {
    let rest = &url[find_str(url, "://")? + 3..];
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = crate::core::text::after_last(authority, b'@')
        .split(':')
        .next()?;
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

fn host_matches(host: &str, pattern: &str) -> bool {
    let h = host.strip_prefix("www.").unwrap_or(host);
    if let Some(prefix) = pattern.strip_suffix('.') {
        // "google." matches google.com, google.co.uk, news.google.de …
        h.split('.').any(|label| label == prefix)
    } else {
        // `h` is `pattern` or ends with `.pattern`.
        h == pattern
            || (h.len() > pattern.len()
                && h.ends_with(pattern)
                && h.as_bytes()[h.len() - pattern.len() - 1] == b'.')
    }
}

/// Classifies an arrival. `None` when it is not an arrival (a same-site
/// referrer with no campaign: an internal navigation).
pub fn classify(
    campaign: Option<&Map>,
    referrer: &str,
    page_url: &str,
) -> Option<(String, Option<String>)> {
    let get = |k: &str| {
        campaign
            .and_then(|c| c.get(k))
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
    };
    let source = get("source");
    if let Some(medium) = get("medium") {
        let channel = match medium.as_str() {
            "email" | "e-mail" | "newsletter" | "crm" => "email",
            "cpc" | "ppc" | "paid" | "paidsearch" | "paid_search" | "display" | "cpm"
            | "banner" | "retargeting" | "paid_social" | "paidsocial" => "paid",
            "social" | "social-network" | "social-media" | "sm" | "organic_social" => "social",
            "organic" | "search" => "search",
            "referral" | "affiliate" | "partner" => "referral",
            _ => "referral",
        };
        return Some((channel.into(), source));
    }
    if get("emailCampaign").is_some() {
        return Some(("email".into(), source.or(Some("email".into()))));
    }
    for (id, channel, platform) in CLICK_IDS {
        if get(id).is_some() {
            return Some((channel.into(), source.or(Some(platform.into()))));
        }
    }
    let Some(rhost) = host_of(referrer) else {
        return Some(("direct".into(), source));
    };
    if host_of(page_url).is_some_and(|h| h == rhost) {
        return None;
    }
    let channel = if SEARCH.iter().any(|p| host_matches(&rhost, p)) {
        "search"
    } else if SOCIAL.iter().any(|p| host_matches(&rhost, p)) {
        "social"
    } else {
        "referral"
    };
    Some((channel.into(), source.or(Some(rhost))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(v: serde_json::Value) -> Value {
        Value::parse(&v.to_string()).expect("json")
    }

    fn arrive(search: &str, referrer: &str) -> Option<(String, Option<String>)> {
        let c = campaign_from_query(search, "ecid");
        classify(c.as_ref(), referrer, "https://shop.example/landing")
    }

    #[test]
    fn campaign_fields_use_segment_names() {
        let c = campaign_from_query(
            "?utm_source=news&utm_medium=email&utm_campaign=cart_reminder&gclid=abc&ecid=77&x=1",
            "ecid",
        )
        .unwrap_or_default();
        assert_eq!(
            Value::Object(c),
            j(
                serde_json::json!({"source":"news","medium":"email","name":"cart_reminder","gclid":"abc","emailCampaign":"77"})
            )
        );
        assert!(campaign_from_query("?a=1&utm_source=", "ecid").is_none());
    }

    #[test]
    fn classification_table() {
        let ch = |s: &str, r: &str| arrive(s, r).map(|x| x.0);
        let table = [
            (
                "?utm_medium=email&utm_campaign=cart_reminder",
                "",
                Some("email"),
            ),
            (
                "?utm_medium=cpc&utm_source=google",
                "https://www.google.com/",
                Some("paid"),
            ),
            ("?utm_medium=social&utm_source=facebook", "", Some("social")),
            ("?utm_medium=weird", "", Some("referral")),
            ("?ecid=123", "", Some("email")),
            ("?gclid=x", "https://www.google.com/", Some("paid")),
            ("?fbclid=x", "https://l.facebook.com/", Some("social")),
            ("?msclkid=x", "", Some("paid")),
            (
                "",
                "https://www.google.co.uk/search?q=shoes",
                Some("search"),
            ),
            ("", "https://duckduckgo.com/", Some("search")),
            ("", "https://t.co/abc", Some("social")),
            ("", "https://m.facebook.com/", Some("social")),
            ("", "https://blog.example.org/post", Some("referral")),
            ("", "https://notgoogle.com/", Some("referral")),
            ("", "", Some("direct")),
            ("", "https://shop.example/other", None),
            (
                "?utm_medium=email",
                "https://shop.example/other",
                Some("email"),
            ),
        ];
        for (search, referrer, want) in table {
            assert_eq!(
                ch(search, referrer).as_deref(),
                want,
                "{search} from {referrer}"
            );
        }
        assert_eq!(
            arrive("", "https://blog.example.org/p")
                .and_then(|x| x.1)
                .as_deref(),
            Some("blog.example.org")
        );
        assert_eq!(
            arrive("?gclid=1", "").and_then(|x| x.1).as_deref(),
            Some("google")
        );
    }

    #[test]
    fn hosts_are_extracted() {
        assert_eq!(
            host_of("https://user@www.Google.com:443/x?y").as_deref(),
            Some("www.google.com")
        );
        assert_eq!(host_of("not a url"), None);
        assert_eq!(host_of(""), None);
    }
}
