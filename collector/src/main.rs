//! `attune-collector`: parses flags and runs the server until the process ends.

#![deny(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::ExitCode;

use attune_collector::config::{parse_args, Command, USAGE};

fn main() -> ExitCode {
    let config = match parse_args(std::env::args().skip(1), std::env::var("PORT").ok()) {
        Ok(Command::Run(config)) => config,
        Ok(Command::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("attune-collector: {error}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let summary = format!(
        "www={} pkg={} data={}{}{}",
        config.www.display(),
        config.pkg.display(),
        config.data.display(),
        if config.fresh { " (fresh)" } else { "" },
        if config.chaos.is_active() {
            " chaos=on"
        } else {
            ""
        },
    );
    let server = match attune_collector::start(*config) {
        Ok(server) => server,
        Err(error) => {
            eprintln!("attune-collector: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!("listening on http://{}", server.addr());
    let _ = std::io::stdout().flush();
    eprintln!(
        "attune-collector: {summary}, {} stored events loaded",
        server.loaded_events()
    );
    server.wait();
    ExitCode::SUCCESS
}
