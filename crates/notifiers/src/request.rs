//! The request a robot or webhook notifier sends, as plain data for the delivery worker.

use std::fmt;

/// HTTP methods the notifiers use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Post,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Post => "POST",
        }
    }
}

/// One HTTP request, exactly as it is to be sent.
///
/// The URL carries credentials (WeCom's key, DingTalk's access token, Feishu's hook id), so `Debug`
/// shows only its origin; [`HttpRequest::dump`] shows everything, for tests.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: Method,
    pub url: String,
    /// In sending order; names as the platform documents them.
    pub headers: Vec<(&'static str, String)>,
    /// JSON, UTF-8, sent as is (a signature may cover these exact bytes).
    pub body: Vec<u8>,
}

impl HttpRequest {
    pub(crate) fn post_json(
        url: String,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    ) -> HttpRequest {
        let mut all = vec![("Content-Type", "application/json; charset=utf-8".to_owned())];
        all.extend(headers);
        HttpRequest {
            method: Method::Post,
            url,
            headers: all,
            body,
        }
    }

    /// The request as text: request line, headers, a blank line, the body (lossy UTF-8).
    /// It includes the credentials in the URL; for snapshots, never for logs.
    pub fn dump(&self) -> String {
        let mut out = format!("{} {}\n", self.method.as_str(), self.url);
        for (name, value) in &self.headers {
            out.push_str(&format!("{name}: {value}\n"));
        }
        out.push('\n');
        out.push_str(&String::from_utf8_lossy(&self.body));
        out
    }

    /// `scheme://host` of the URL, the part that is safe to log.
    pub fn origin(&self) -> &str {
        let after_scheme = self.url.find("://").map_or(0, |at| at + 3);
        let end = self.url[after_scheme..]
            .find(['/', '?', '#'])
            .map_or(self.url.len(), |at| after_scheme + at);
        &self.url[..end]
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header_names: Vec<&str> = self.headers.iter().map(|(name, _)| *name).collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &format_args!("{}/**redacted**", self.origin()))
            .field("headers", &header_names)
            .field("body_len", &self.body.len())
            .finish()
    }
}
