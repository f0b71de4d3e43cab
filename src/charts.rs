//! Charts of survey results: pure functions from plain data to SVG text and PNG bytes.
//!
//! Every chart is drawn once with plotters' SVG backend and keeps its text as UTF-8 `<text>`
//! elements (escaped for XML), so Vietnamese labels stay intact and searchable. [`to_png`]
//! rasterises such an SVG with resvg and the embedded DejaVu Sans (`web/fonts/`), which covers all
//! Vietnamese letters; plotters' own bitmap text misplaces Vietnamese glyphs and is not used.
//!
//! No HTTP and no database here: a route fills the plain input types ([`Bar`], tuples) from the
//! index engine and picks the texts with [`ChartText::vi`] or [`ChartText::en`].
//!
//! Layout: 800 px wide, height growing with the number of rows; labels are measured with the
//! embedded font's advance widths and truncated with "…" when they would not fit. Colours are a
//! blue/orange pair of clearly different lightness; small samples are grey, hatched and marked
//! with "*", the target is a dashed line with its own label, so nothing relies on hue alone.

mod canvas;
mod distribution;
mod png;
mod profile;
mod ranking;
mod text;
mod trend;

pub use distribution::distribution_svg;
pub use png::{to_png, MAX_PNG_WIDTH};
pub use profile::profile_svg;
pub use ranking::ranking_svg;
pub use text::{ChartText, NumberStyle};
pub use trend::trend_svg;

/// DejaVu Sans (Bitstream Vera licence, `web/fonts/LICENSE-DejaVu.txt`), used to measure labels
/// and to rasterise PNGs.
pub(crate) const DEJAVU_SANS: &[u8] = include_bytes!("../web/fonts/DejaVuSans.ttf");

/// The city's target for satisfaction indices, in percent (PRODUCT.md §4).
pub const DEFAULT_TARGET: f64 = 85.0;

/// Below this many valid answers a figure is a small sample (greyed, not ranked).
pub const SMALL_N: u64 = 30;

/// Width of every SVG chart, in px.
pub const CHART_WIDTH: u32 = 800;

/// Why a chart could not be drawn or rasterised.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// The plotters backend failed while drawing.
    #[error("drawing the chart failed: {0}")]
    Draw(String),
    /// The SVG given to [`to_png`] could not be parsed.
    #[error("reading the SVG failed: {0}")]
    Svg(#[from] resvg::usvg::Error),
    /// The requested PNG width is zero or larger than [`MAX_PNG_WIDTH`].
    #[error("PNG width {0} is outside 1..={MAX_PNG_WIDTH}")]
    Width(u32),
    /// The SVG has no area, or the pixmap could not be allocated.
    #[error("cannot rasterise an SVG of {width}×{height} px")]
    Size {
        /// Requested raster width.
        width: u32,
        /// Raster height derived from the SVG's aspect ratio.
        height: u32,
    },
    /// PNG encoding failed.
    #[error("encoding the PNG failed: {0}")]
    Png(String),
}

/// `svg` (a chart from this module) made accessible and embeddable: the root element gets
/// `class="chart"`, `role="img"` and `aria-labelledby`, and a `<title id="{id}-title">` with
/// `title` comes first inside it. `id` must be a valid XML id (letters, digits, `-`).
pub fn with_title(svg: &str, id: &str, title: &str) -> String {
    let Some(rest) = svg.strip_prefix("<svg ") else {
        return svg.to_owned();
    };
    let Some(end) = rest.find('>') else {
        return svg.to_owned();
    };
    let (attributes, body) = rest.split_at(end);
    let escaped = xml_escape(title);
    format!(
        "<svg class=\"chart\" role=\"img\" aria-labelledby=\"{id}-title\" {attributes}><title \
         id=\"{id}-title\">{escaped}</title>{}",
        &body[1..]
    )
}

/// `text` with the five XML special characters escaped.
fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// One bar of a ranking: an agency (or unit) and its index.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// Agency name as shown, e.g. "Sở Tài nguyên và Môi trường".
    pub label: String,
    /// Index in percent (0–100); `None` when there are no valid answers.
    pub value: Option<f64>,
    /// 95 % interval (low, high) in percent.
    pub ci: Option<(f64, f64)>,
    /// Fewer than [`SMALL_N`] answers: drawn grey and hatched, marked "*", ranked after the others.
    pub small_n: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_title_labels_the_root_and_escapes_the_title() {
        let svg = ranking_svg("Xếp hạng", &[], DEFAULT_TARGET, &ChartText::vi()).unwrap();
        let out = with_title(&svg, "ranking", "Xếp hạng <các sở> & \"ngành\"");
        assert!(out.starts_with(
            "<svg class=\"chart\" role=\"img\" aria-labelledby=\"ranking-title\" width=\"800\" height=\"160\" \
             viewBox=\"0 0 800 160\""
        ));
        assert!(out.contains("><title id=\"ranking-title\">Xếp hạng &lt;các sở&gt; &amp; &quot;ngành&quot;</title>"));
        assert_eq!(out.matches("<svg").count(), 1);
        assert!(to_png(&out, 200).is_ok(), "still valid SVG");
        assert_eq!(with_title("not svg", "x", "t"), "not svg");
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Helpers shared by the chart tests.

    /// Width and height from a PNG's IHDR chunk, after checking the signature.
    pub fn png_size(png: &[u8]) -> (u32, u32) {
        assert!(png.len() > 24, "PNG too short: {} bytes", png.len());
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
        assert_eq!(&png[12..16], b"IHDR", "first chunk is IHDR");
        let w = u32::from_be_bytes([png[16], png[17], png[18], png[19]]);
        let h = u32::from_be_bytes([png[20], png[21], png[22], png[23]]);
        (w, h)
    }

    /// Writes `png` to /tmp/charts/`name` for looking at; failures are ignored.
    pub fn save(name: &str, svg: &str, png: &[u8]) {
        let dir = std::path::Path::new("/tmp/charts");
        if std::fs::create_dir_all(dir).is_ok() {
            let _ = std::fs::write(dir.join(format!("{name}.png")), png);
            let _ = std::fs::write(dir.join(format!("{name}.svg")), svg);
        }
    }

    /// `<text …>content</text>` contents of an SVG.
    pub fn texts(svg: &str) -> Vec<&str> {
        svg.split("<text")
            .skip(1)
            .filter_map(|t| t.split_once('>').and_then(|(_, r)| r.split_once("</text>")))
            .map(|(c, _)| c.trim())
            .collect()
    }
}
