//! The `tessera` binary: everything lives in the library; see `tessera::cli`.

fn main() -> std::process::ExitCode {
    tessera::cli::main()
}
