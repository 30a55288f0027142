//! Barcodes: Code 128 (character set B) as bars and QR codes as module grids, and both as inline SVG.

use barcoders::generators::svg::SVG;
use barcoders::sym::code128::Code128;
use qrcode::QrCode;
use qrcode::render::svg;

/// A text that cannot be encoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("cannot encode {text:?} as Code 128: {why}")]
    Code128 { text: String, why: String },
    #[error("cannot encode {text:?} as a QR code: {why}")]
    Qr { text: String, why: String },
}

/// The modules of the Code 128 symbol for `text` (1 a bar, 0 a space), start, check and stop
/// characters included, quiet zones not.
pub fn code128_bars(text: &str) -> Result<Vec<u8>, CodeError> {
    let refuse = |why: String| CodeError::Code128 {
        text: text.to_owned(),
        why,
    };
    // Set B covers printable ASCII; barcoders reads its leading `Ɓ` as "start in set B".
    if text.is_empty() || !text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(refuse("only printable ASCII is encoded".to_owned()));
    }
    let symbol = Code128::new(format!("\u{0181}{text}")).map_err(|e| refuse(e.to_string()))?;
    Ok(symbol.encode())
}

/// The QR code for `text`: its width in modules and the modules row by row (`true` is dark).
pub fn qr_modules(text: &str) -> Result<(usize, Vec<bool>), CodeError> {
    let code = qr(text)?;
    let modules = code
        .to_colors()
        .into_iter()
        .map(|it| it == qrcode::Color::Dark)
        .collect();
    Ok((code.width(), modules))
}

/// Code 128 of `text` as an `<svg>` element scaled by CSS (class `barcode`), with its text beneath
/// left to the caller.
pub(crate) fn code128_svg(text: &str) -> Result<String, CodeError> {
    let bars = code128_bars(text)?;
    let svg = SVG::new(40)
        .generate(&bars)
        .map_err(|e| CodeError::Code128 {
            text: text.to_owned(),
            why: e.to_string(),
        })?;
    Ok(svg.replacen(
        "<svg ",
        "<svg class=\"barcode\" preserveAspectRatio=\"none\" ",
        1,
    ))
}

/// The QR code of `text` as an `<svg>` element (class `qr`), quiet zone included.
pub(crate) fn qr_svg(text: &str) -> Result<String, CodeError> {
    let image = qr(text)?
        .render::<svg::Color<'_>>()
        .module_dimensions(4, 4)
        .build();
    // The renderer writes a standalone file; inline SVG in HTML takes the element alone.
    let element = match image.find("<svg") {
        Some(at) => &image[at..],
        None => image.as_str(),
    };
    Ok(element.replacen("<svg ", "<svg class=\"qr\" ", 1))
}

fn qr(text: &str) -> Result<QrCode, CodeError> {
    QrCode::new(text.as_bytes()).map_err(|e| CodeError::Qr {
        text: text.to_owned(),
        why: e.to_string(),
    })
}
