//! The alert every notifier renders: what happened, how bad it is, where to look, and its identity.

/// One alert to one notifier.
///
/// The body is Markdown of the common subset the robots render (headings, bold, links, lists);
/// email sends it as plain text, where that subset still reads well.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// One line: what is wrong, e.g. `发货超时: 3 个包裹`.
    pub title: String,
    /// Markdown details.
    pub body: String,
    pub severity: Severity,
    /// Where a supervisor acts on it (the dashboard page of the shipment or the queue).
    pub link: String,
    /// Stable identity of this alert: retries of one alert carry the same key, a raise, its
    /// escalation and its clearing carry different keys. It becomes the email's Message-ID and the
    /// webhook's `dedup_key`, so receivers can drop a retried copy.
    pub dedup_key: String,
}

/// How urgent an alert is; each notifier maps it to its own label and colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    /// For the record: work done, an alert cleared.
    Info,
    /// Overdue: someone should act.
    Warning,
    /// Escalated: past the second deadline or the platform's promised ship-by time.
    Critical,
}

impl Severity {
    /// The label shown to supervisors, in front of the title.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Info => "提示",
            Severity::Warning => "警告",
            Severity::Critical => "严重",
        }
    }

    /// The machine name in our webhook's JSON.
    pub fn code(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

impl Alert {
    /// `【严重】title`: the line every notifier leads with.
    pub(crate) fn headline(&self) -> String {
        format!("【{}】{}", self.severity.label(), self.title)
    }
}
