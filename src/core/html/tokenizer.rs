//! A small HTML tokenizer after the WHATWG tokenizer's states that matter for
//! sanitising: tags with attributes, character references, comments and bogus
//! comments, and the raw-text elements (`<script>`, `<style>`, `<textarea>`, …)
//! whose content is never markup. Comments and doctypes are dropped. Where it
//! and a browser could disagree, the sanitiser built on it only ever drops more.

use crate::core::html::entities::decode;
use crate::core::text::find_str;

/// One token of the input.
#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    /// Character data, with references decoded.
    Text(String),
    /// A start tag; names are lowercase, the first of duplicate attributes wins.
    Start {
        /// Tag name.
        name: String,
        /// Attributes in source order, values decoded.
        attrs: Vec<(String, String)>,
        /// Written as `<x/>`.
        self_closing: bool,
    },
    /// An end tag.
    End {
        /// Tag name.
        name: String,
    },
}

/// Elements whose content the tokenizer reads as raw text up to the matching end tag.
const RAW_TEXT: &[&str] = &[
    "script", "style", "xmp", "iframe", "noembed", "noframes", "noscript", "textarea", "title",
];

/// Splits `input` into tokens.
pub fn tokenize(input: &str) -> Vec<Token> {
    let mut t = Tokenizer {
        s: input,
        i: 0,
        out: Vec::new(),
        text: String::new(),
    };
    t.run();
    t.out
}

struct Tokenizer<'a> {
    s: &'a str,
    i: usize,
    out: Vec<Token>,
    text: String,
}

impl Tokenizer<'_> {
    fn rest(&self) -> &str {
        &self.s[self.i..]
    }

    fn flush_text(&mut self) {
        if !self.text.is_empty() {
            let raw = std::mem::take(&mut self.text);
            self.out.push(Token::Text(decode(&raw, false)));
        }
    }

    fn run(&mut self) {
        while self.i < self.s.len() {
            let Some(lt) = self.rest().find('<') else {
                let s = self.s;
                self.text.push_str(&s[self.i..]);
                self.i = s.len();
                break;
            };
            let s = self.s;
            self.text.push_str(&s[self.i..self.i + lt]);
            self.i += lt;
            self.markup();
        }
        self.flush_text();
    }

    /// At a `<`.
    fn markup(&mut self) {
        let rest = self.rest();
        let next = rest[1..].chars().next();
        match next {
            Some(c) if c.is_ascii_alphabetic() => {
                self.flush_text();
                self.i += 1;
                self.tag(false);
            }
            Some('/') => {
                let after = rest[2..].chars().next();
                match after {
                    Some(c) if c.is_ascii_alphabetic() => {
                        self.flush_text();
                        self.i += 2;
                        self.tag(true);
                    }
                    Some('>') => self.i += 3,
                    None => {
                        self.text.push_str("</");
                        self.i = self.s.len();
                    }
                    Some(_) => {
                        self.flush_text();
                        self.bogus_comment(2);
                    }
                }
            }
            Some('!') if rest.starts_with("<!--") => {
                self.flush_text();
                self.comment();
            }
            Some('!' | '?') => {
                self.flush_text();
                self.bogus_comment(2);
            }
            _ => {
                self.text.push('<');
                self.i += 1;
            }
        }
    }

    fn bogus_comment(&mut self, skip: usize) {
        let start = self.i + skip;
        self.i = match self.s[start..].find('>') {
            Some(gt) => start + gt + 1,
            None => self.s.len(),
        };
    }

    fn comment(&mut self) {
        let body = self.i + 4;
        let rest = &self.s[body..];
        // `<!-->` and `<!--->` close at once.
        if rest.starts_with('>') {
            self.i = body + 1;
            return;
        }
        if rest.starts_with("->") {
            self.i = body + 2;
            return;
        }
        let end = [
            find_str(rest, "-->").map(|p| p + 3),
            find_str(rest, "--!>").map(|p| p + 4),
        ]
        .into_iter()
        .flatten()
        .min();
        self.i = end.map_or(self.s.len(), |e| body + e);
    }

    /// After `<` or `</`; the tag name starts here. EOF inside a tag drops it.
    fn tag(&mut self, end: bool) {
        let b = self.s.as_bytes();
        let start = self.i;
        while self.i < b.len() && !is_space(b[self.i]) && b[self.i] != b'/' && b[self.i] != b'>' {
            self.i += 1;
        }
        let name = self.s[start..self.i].to_ascii_lowercase();
        let mut attrs: Vec<(String, String)> = Vec::new();
        let mut self_closing = false;
        loop {
            while self.i < b.len() && is_space(b[self.i]) {
                self.i += 1;
            }
            if self.i >= b.len() {
                return;
            }
            match b[self.i] {
                b'>' => {
                    self.i += 1;
                    break;
                }
                b'/' => {
                    self.i += 1;
                    if b.get(self.i) == Some(&b'>') {
                        self_closing = true;
                        self.i += 1;
                        break;
                    }
                }
                _ => {
                    let Some((k, v)) = self.attribute() else {
                        return;
                    };
                    if !attrs.iter().any(|(n, _)| *n == k) {
                        attrs.push((k, v));
                    }
                }
            }
        }
        if end {
            self.out.push(Token::End { name });
            return;
        }
        let raw = RAW_TEXT.contains(&name.as_str()) || name == "plaintext";
        self.out.push(Token::Start {
            name: name.clone(),
            attrs,
            self_closing,
        });
        if raw {
            self.raw_text(&name);
        }
    }

    /// One attribute; `None` at EOF.
    fn attribute(&mut self) -> Option<(String, String)> {
        let b = self.s.as_bytes();
        let start = self.i;
        // The first character may be `=`; after it, `=` ends the name.
        self.i += 1;
        while self.i < b.len() && !is_space(b[self.i]) && !matches!(b[self.i], b'/' | b'>' | b'=') {
            self.i += 1;
        }
        let name = self.s[start..self.i].to_ascii_lowercase();
        let mut j = self.i;
        while j < b.len() && is_space(b[j]) {
            j += 1;
        }
        if b.get(j) != Some(&b'=') {
            return (self.i < b.len()).then_some((name, String::new()));
        }
        j += 1;
        while j < b.len() && is_space(b[j]) {
            j += 1;
        }
        let value = match b.get(j) {
            None => return None,
            Some(&q @ (b'"' | b'\'')) => {
                let close = self.s[j + 1..].find(char::from(q))?;
                let v = &self.s[j + 1..j + 1 + close];
                self.i = j + 1 + close + 1;
                v
            }
            Some(_) => {
                let vs = j;
                while j < b.len() && !is_space(b[j]) && b[j] != b'>' {
                    j += 1;
                }
                self.i = j;
                &self.s[vs..j]
            }
        };
        Some((name, decode(value, true)))
    }

    /// The content of a raw-text element, up to `</name` + space, `/` or `>`.
    fn raw_text(&mut self, name: &str) {
        let rest = self.rest();
        let lower = rest.to_ascii_lowercase();
        let needle = crate::core::text::cat!("</", name);
        let mut from = 0;
        let end = if name == "plaintext" {
            None
        } else {
            loop {
                let Some(p) = find_str(&lower[from..], &needle) else {
                    break None;
                };
                let at = from + p;
                match lower.as_bytes().get(at + needle.len()) {
                    Some(c) if is_space(*c) || *c == b'/' || *c == b'>' => break Some(at),
                    _ => from = at + needle.len(),
                }
            }
        };
        let content_end = end.unwrap_or(rest.len());
        if content_end > 0 {
            self.out.push(Token::Text(rest[..content_end].to_string()));
        }
        self.i += content_end;
        if end.is_some() {
            self.i += 2;
            self.tag(true);
        }
    }
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start(name: &str, attrs: &[(&str, &str)]) -> Token {
        Token::Start {
            name: name.into(),
            attrs: attrs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            self_closing: false,
        }
    }

    #[test]
    fn tags_attributes_and_text() {
        let t = tokenize("a<B class=x ID='y' title=\"a&amp;b\" disabled>c</b >");
        assert_eq!(
            t,
            vec![
                Token::Text("a".into()),
                start(
                    "b",
                    &[
                        ("class", "x"),
                        ("id", "y"),
                        ("title", "a&b"),
                        ("disabled", "")
                    ]
                ),
                Token::Text("c".into()),
                Token::End { name: "b".into() },
            ]
        );
    }

    #[test]
    fn raw_text_is_not_markup() {
        let t = tokenize("<style></p><img src=x onerror=a()></STYLE >x");
        assert_eq!(t[1], Token::Text("</p><img src=x onerror=a()>".into()));
        assert_eq!(
            t[2],
            Token::End {
                name: "style".into()
            }
        );
        assert_eq!(t[3], Token::Text("x".into()));
        let t = tokenize("<script>a</scriptx>b");
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn comments_bogus_comments_and_eof() {
        assert_eq!(
            tokenize("a<!-- <b> -->c"),
            vec![Token::Text("a".into()), Token::Text("c".into())]
        );
        assert_eq!(tokenize("<!-->x"), vec![Token::Text("x".into())]);
        assert_eq!(
            tokenize("<?php x ?>y</ z>w"),
            vec![Token::Text("y".into()), Token::Text("w".into())]
        );
        assert_eq!(tokenize("<img src=x onerror=y"), vec![]);
        assert_eq!(tokenize("1 < 2"), vec![Token::Text("1 < 2".into())]);
        assert_eq!(
            tokenize("<a title='x>y'>"),
            vec![start("a", &[("title", "x>y")])]
        );
    }
}
