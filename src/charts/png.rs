//! Rasterising a chart's SVG to PNG with resvg and the embedded DejaVu Sans.

use std::sync::{Arc, LazyLock};

use resvg::tiny_skia::{Pixmap, Transform};
use resvg::usvg::{fontdb, Options, Tree};

use super::{ChartError, DEJAVU_SANS};

/// The largest PNG width [`to_png`] renders, px.
pub const MAX_PNG_WIDTH: u32 = 4000;

/// The font database: only the embedded DejaVu Sans, as "sans-serif" and as the default family,
/// so the output never depends on the host's fonts.
static FONTS: LazyLock<Arc<fontdb::Database>> = LazyLock::new(|| {
    let mut db = fontdb::Database::new();
    db.load_font_data(DEJAVU_SANS.to_vec());
    db.set_sans_serif_family("DejaVu Sans");
    Arc::new(db)
});

/// Rasterises `svg` to a PNG `width` px wide, keeping the aspect ratio.
pub fn to_png(svg: &str, width: u32) -> Result<Vec<u8>, ChartError> {
    if width == 0 || width > MAX_PNG_WIDTH {
        return Err(ChartError::Width(width));
    }
    let opt = Options { fontdb: Arc::clone(&FONTS), font_family: "DejaVu Sans".into(), ..Options::default() };
    let tree = Tree::from_str(svg, &opt)?;
    let size = tree.size();
    let scale = width as f32 / size.width();
    let height_f = (size.height() * scale).ceil();
    let height = if height_f.is_finite() && height_f >= 1.0 && height_f <= 8.0 * MAX_PNG_WIDTH as f32 {
        height_f as u32
    } else {
        0
    };
    let mut pixmap = Pixmap::new(width, height).ok_or(ChartError::Size { width, height })?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(&tree, Transform::from_scale(scale, scale), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| ChartError::Png(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::test_support::png_size;

    const SVG: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100">
        <text x="10" y="50" font-family="sans-serif" font-size="14">Ủy ban nhân dân &amp; Sở</text></svg>"#;

    #[test]
    fn renders_at_the_requested_width_keeping_the_aspect_ratio() {
        let png = to_png(SVG, 400).unwrap();
        assert_eq!(png_size(&png), (400, 200));
    }

    #[test]
    fn rejects_bad_widths_and_bad_svg() {
        assert!(matches!(to_png(SVG, 0), Err(ChartError::Width(0))));
        assert!(matches!(to_png(SVG, MAX_PNG_WIDTH + 1), Err(ChartError::Width(_))));
        assert!(matches!(to_png("not svg", 100), Err(ChartError::Svg(_))));
    }
}
