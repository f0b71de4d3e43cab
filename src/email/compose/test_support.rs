//! Checks shared by the composers' tests.

use crate::email::Letter;

/// Markup-like text that must reach the HTML escaped and the text part verbatim.
pub const NASTY: &str = "<b>&\"";

/// `s` as askama's HTML escaper writes it.
pub fn escaped(s: &str) -> String {
    s.replace('&', "&#38;").replace('<', "&#60;").replace('>', "&#62;").replace('"', "&#34;").replace('\'', "&#39;")
}

/// Checks the PNG signature, decodes the image and returns its width.
pub fn assert_png(bytes: &[u8]) -> u32 {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("PNG header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("PNG data");
    assert!(info.height > 0);
    info.width
}

/// The letter as a MIME message (the conversion must succeed), formatted.
pub fn to_message(l: &Letter) -> String {
    let from = "noreply@khaosat.example.vn".parse().unwrap();
    let message = l.to_message(&from, "<1@x>").expect("a MIME message");
    String::from_utf8(message.formatted()).expect("ASCII headers and encoded bodies")
}
