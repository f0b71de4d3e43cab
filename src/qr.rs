//! QR codes of survey links, as SVG (for print) and PNG (for e-mail and apps).

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// Why a QR code could not be made (only for absurdly long URLs).
#[derive(Debug, thiserror::Error)]
pub enum QrError {
    #[error("cannot encode QR code: {0}")]
    Encode(#[from] qrcode::types::QrError),
    #[error("cannot write PNG: {0}")]
    Png(#[from] png::EncodingError),
}

/// Medium error correction survives a crease or a smudge on a printed receipt.
fn code(data: &str) -> Result<QrCode, QrError> {
    Ok(QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)?)
}

/// An SVG with a quiet zone, at least 256 px wide.
pub fn svg(data: &str) -> Result<String, QrError> {
    Ok(code(data)?
        .render::<svg::Color<'_>>()
        .min_dimensions(256, 256)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build())
}

/// A greyscale PNG with a 4-module quiet zone and `scale` pixels per module.
pub fn png(data: &str, scale: u32) -> Result<Vec<u8>, QrError> {
    let code = code(data)?;
    let modules = code.width() as u32;
    let quiet = 4;
    let scale = scale.clamp(1, 32);
    let side = (modules + 2 * quiet) * scale;
    let colors = code.to_colors();
    let mut pixels = vec![255u8; (side * side) as usize];
    for (i, c) in colors.iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (mx, my) = (i as u32 % modules, i as u32 / modules);
            for dy in 0..scale {
                let row = ((my + quiet) * scale + dy) * side;
                let start = (row + (mx + quiet) * scale) as usize;
                pixels[start..start + scale as usize].fill(0);
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, side, side);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header()?;
        writer.write_image_data(&pixels)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_both_formats() {
        let url = "https://khaosat.hanoi.gov.vn/s/abcdefghijklmnopqrstuvwx";
        let s = svg(url).unwrap();
        assert!(s.starts_with("<?xml") && s.contains("<svg"));
        let p = png(url, 8).unwrap();
        assert_eq!(&p[..8], b"\x89PNG\r\n\x1a\n");
    }
}
