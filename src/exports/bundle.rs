//! ZIP bundles of finished export files (data, codebook, syntax), streamed from disk.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::Path;

use chrono::{DateTime, Datelike, Timelike, Utc};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::format_error::FormatError;

/// Writes `files` (name inside the archive, file on disk) into a deflate-compressed ZIP at
/// `out`. Each file is copied through a small buffer, never read whole. Names may be any UTF-8;
/// the zip writer marks non-ASCII names as UTF-8 so that unzip tools do not garble them.
pub fn write_zip(out: &Path, files: &[(&str, &Path)]) -> Result<(), FormatError> {
    let mut zip = ZipWriter::new(BufWriter::with_capacity(256 * 1024, File::create(out)?));
    for (name, path) in files {
        let file = File::open(path)?;
        let metadata = file.metadata()?;
        let mut options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .large_file(needs_zip64(metadata.len()));
        if let Some(time) = metadata.modified().ok().and_then(zip_time) {
            options = options.last_modified_time(time);
        }
        zip.start_file(*name, options)?;
        std::io::copy(&mut BufReader::with_capacity(256 * 1024, file), &mut zip)?;
    }
    let mut sink = zip.finish()?;
    std::io::Write::flush(&mut sink)?;
    Ok(())
}

/// Without ZIP64 an entry must stay under 4 GiB, compressed and not; the writer refuses to go
/// past that mid-file unless told in advance. Deflate can grow incompressible data slightly,
/// hence the margin. Small files keep the plain headers that old unzip tools prefer.
fn needs_zip64(size: u64) -> bool {
    size + size / 100 + (1 << 16) >= u64::from(u32::MAX)
}

/// The file's time, so that unzipping shows when the export was made rather than 1980.
/// ZIP times have no zone; we write UTC, like the rest of the export.
fn zip_time(modified: std::time::SystemTime) -> Option<zip::DateTime> {
    let at: DateTime<Utc> = modified.into();
    let year = u16::try_from(at.year()).ok()?;
    let small = |v: u32| u8::try_from(v).ok();
    zip::DateTime::from_date_and_time(
        year,
        small(at.month())?,
        small(at.day())?,
        small(at.hour())?,
        small(at.minute())?,
        small(at.second())?,
    )
    .ok()
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn files_come_back_with_their_names_and_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("a.csv");
        let sps = dir.path().join("b.sps");
        let big = dir.path().join("big.bin");
        std::fs::write(&csv, "\u{FEFF}ten,ý_kiến\r\nNguyễn,\"Rất hài lòng\"\r\n").unwrap();
        std::fs::write(&sps, b"").unwrap();
        // Larger than every buffer on the way, and not all alike.
        let big_bytes: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
        std::fs::write(&big, &big_bytes).unwrap();
        let out = dir.path().join("bundle.zip");

        let files = [("dữ_liệu/phiếu.csv", csv.as_path()), ("syntax.sps", sps.as_path()), ("big.bin", big.as_path())];
        write_zip(&out, &files).unwrap();

        let mut archive = zip::ZipArchive::new(File::open(&out).unwrap()).unwrap();
        assert_eq!(archive.len(), 3);
        for (i, (name, path)) in files.iter().enumerate() {
            let mut entry = archive.by_index(i).unwrap();
            assert_eq!(entry.name().unwrap(), *name);
            assert_eq!(entry.compression(), CompressionMethod::Deflated);
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            assert_eq!(bytes, std::fs::read(path).unwrap(), "{name}");
        }
        let entry = archive.by_index(0).unwrap();
        let year = entry.last_modified().map(|t| t.year());
        assert!(year.is_some_and(|y| y >= 2024), "{year:?}");
    }

    #[test]
    fn a_missing_input_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("bundle.zip");
        let absent = dir.path().join("absent");
        let failure = write_zip(&out, &[("x", absent.as_path())]).unwrap_err();
        assert!(!failure.is_disk_full());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_full_disk_is_reported_as_such() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("a.csv");
        std::fs::write(&input, vec![b'x'; 10_000]).unwrap();
        let failure = write_zip(Path::new("/dev/full"), &[("a.csv", input.as_path())]).unwrap_err();
        assert!(failure.is_disk_full(), "{failure:?}");
    }

    #[test]
    fn zip64_only_for_entries_near_four_gib() {
        assert!(!needs_zip64(300 << 20));
        assert!(needs_zip64(u64::from(u32::MAX)));
        assert!(needs_zip64(5 << 30));
    }
}
