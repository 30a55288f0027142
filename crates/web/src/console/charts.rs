//! The dashboard's charts as inline SVG, drawn on the server: bars over hours and labelled
//! horizontal bars. Every text is escaped; sizes are in the SVG's own units and scale to the page.

use std::fmt::Write as _;

/// `text` safe inside SVG/HTML text and attributes.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// Vertical bars, one per value, labelled below every `label_every`th bar.
pub(super) fn columns(title: &str, values: &[(String, u64)], label_every: usize) -> String {
    let width = 1000.0;
    let height = 230.0;
    let base = 190.0;
    let max = values.iter().map(|it| it.1).max().unwrap_or(0).max(1) as f64;
    let step = width / values.len().max(1) as f64;
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{}" preserveAspectRatio="none"><title>{}</title>"#,
        escape(title),
        escape(title)
    );
    let _ = write!(
        svg,
        r#"<line x1="0" y1="{base}" x2="{width}" y2="{base}" class="axis"/>"#
    );
    for (i, (label, value)) in values.iter().enumerate() {
        let h = (*value as f64 / max) * (base - 20.0);
        let x = i as f64 * step + step * 0.15;
        let _ = write!(
            svg,
            r#"<rect x="{x:.1}" y="{:.1}" width="{:.1}" height="{h:.1}" class="bar"><title>{}: {value}</title></rect>"#,
            base - h,
            step * 0.7,
            escape(label)
        );
        if label_every > 0 && i % label_every == 0 {
            let _ = write!(
                svg,
                r#"<text x="{:.1}" y="{}" class="tick">{}</text>"#,
                x,
                base + 30.0,
                escape(label)
            );
        }
    }
    let _ = write!(
        svg,
        r#"<text x="{width}" y="24" class="tick" text-anchor="end">{}</text></svg>"#,
        max as u64
    );
    svg
}

/// Horizontal bars with their label and value, largest first as given.
pub(super) fn bars(title: &str, values: &[(String, u64)]) -> String {
    let width = 600.0;
    let row = 28.0;
    let height = (values.len().max(1) as f64) * row + 4.0;
    let max = values.iter().map(|it| it.1).max().unwrap_or(0).max(1) as f64;
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{}"><title>{}</title>"#,
        escape(title),
        escape(title)
    );
    for (i, (label, value)) in values.iter().enumerate() {
        let y = i as f64 * row + 4.0;
        let w = (*value as f64 / max) * (width - 260.0);
        let _ = write!(
            svg,
            r#"<text x="0" y="{:.1}" class="label">{}</text><rect x="200" y="{y:.1}" width="{w:.1}" height="{:.1}" class="bar"/><text x="{:.1}" y="{:.1}" class="value">{value}</text>"#,
            y + row * 0.6,
            escape(label),
            row * 0.7,
            200.0 + w + 6.0,
            y + row * 0.6
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_escape_their_labels_and_scale_to_the_largest() {
        let svg = bars("店铺", &[("<b>".to_owned(), 4), ("b&c".to_owned(), 2)]);
        assert!(
            svg.contains("&lt;b&gt;") && svg.contains("b&amp;c"),
            "{svg}"
        );
        assert!(
            svg.contains(r#"width="340.0""#),
            "the largest fills the width: {svg}"
        );
        assert!(
            svg.contains(r#"width="170.0""#),
            "half of it is half: {svg}"
        );
        let svg = columns("每小时", &[("0".to_owned(), 0), ("1".to_owned(), 3)], 1);
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains(r#"height="170.0""#), "{svg}");
    }
}
