//! The `sipas` binary: see `sipas --help`.

fn main() -> std::process::ExitCode {
    match sipas::cli::run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // `{:#}` prints the whole context chain on one line: "what we tried: why it failed".
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
