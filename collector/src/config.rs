//! Server configuration and command-line parsing.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::chaos::ChaosConfig;

/// Everything needed to start a collector.
#[derive(Debug, Clone)]
pub struct Config {
    /// TCP port on 127.0.0.1; `0` picks an ephemeral port.
    pub port: u16,
    /// Directory served for every GET path that is not `/pkg/...` or `/v1/...`.
    pub www: PathBuf,
    /// Directory served under `/pkg/` (the wasm-pack output).
    pub pkg: PathBuf,
    /// JSON-lines event store, created with its parent directories.
    pub data: PathBuf,
    /// Truncate the event store on start instead of reloading it.
    pub fresh: bool,
    /// `Content-Security-Policy` value added to every HTML response.
    pub csp: Option<String>,
    /// Optional JSON file with profiles to seed (array of profile bodies).
    pub profiles: Option<PathBuf>,
    /// Initial misbehaviour for `/v1/batch`.
    pub chaos: ChaosConfig,
    /// Print one line per request on stderr.
    pub log: bool,
    /// Most connections served at once; further ones get a 503.
    pub max_connections: usize,
    /// Deadline for a request head (and for a new connection's first byte);
    /// bodies get three times as long.
    pub request_timeout: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            port: 8080,
            www: PathBuf::from("www"),
            pkg: PathBuf::from("pkg"),
            data: PathBuf::from("target/collector/events.jsonl"),
            fresh: false,
            csp: None,
            profiles: None,
            chaos: ChaosConfig::default(),
            log: false,
            max_connections: 128,
            request_timeout: Duration::from_secs(10),
        }
    }
}

/// Usage text printed for `--help` and after a flag error.
pub const USAGE: &str = "\
attune-collector: development collector and static server for Attune (binds 127.0.0.1 only)

USAGE:
    attune-collector [FLAGS]

FLAGS:
    --port N             port to bind (env PORT; default 8080; 0 = ephemeral)
    --www DIR            static root (default www)
    --pkg DIR            directory served under /pkg/ (default pkg)
    --data FILE          JSON-lines event store (default target/collector/events.jsonl)
    --fresh              truncate the event store on start
    --csp POLICY         Content-Security-Policy for every HTML response
    --profiles FILE      seed profiles from a JSON array of profile bodies
    --quiet              do not log requests on stderr
    --max-connections N  concurrent connections before answering 503 (default 128)
    --request-timeout-ms MS  deadline for a request head; bodies get 3x (default 10000)

CHAOS (applies to POST /v1/batch only; also settable at runtime via /v1/chaos):
    --fail-rate P        probability of answering --fail-status without storing
    --fail-status N      status used for failures (default 500)
    --rate-429 P         probability of answering 429 with Retry-After
    --retry-after S      Retry-After seconds for 429 answers (default 1)
    --latency-ms MS      delay every /v1/batch answer
    --drop-rate P        probability of closing the connection without an answer
    --seed N             PRNG seed for the chaos rolls (default 42)
";

/// What the command line asked for.
#[derive(Debug)]
pub enum Command {
    /// Run the server with this configuration.
    Run(Box<Config>),
    /// Print [`USAGE`] and exit successfully.
    Help,
}

/// A command-line error, shown to the user before [`USAGE`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgError(pub String);

impl fmt::Display for ArgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ArgError {}

/// Parses flags (without the program name). `port_env` is the value of `PORT`,
/// used unless `--port` is given. Flags accept both `--flag value` and `--flag=value`.
pub fn parse_args<I>(args: I, port_env: Option<String>) -> Result<Command, ArgError>
where
    I: IntoIterator<Item = String>,
{
    let mut config = Config {
        log: true,
        ..Config::default()
    };
    if let Some(port) = port_env.filter(|p| !p.trim().is_empty()) {
        config.port = parse_num(&port, "PORT")?;
    }
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, ArgError> {
            match inline.clone() {
                Some(v) => Ok(v),
                None => args
                    .next()
                    .ok_or_else(|| ArgError(format!("{name} needs a value"))),
            }
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--port" => config.port = parse_num(&value("--port")?, "--port")?,
            "--www" => config.www = PathBuf::from(value("--www")?),
            "--pkg" => config.pkg = PathBuf::from(value("--pkg")?),
            "--data" => config.data = PathBuf::from(value("--data")?),
            "--csp" => config.csp = Some(value("--csp")?),
            "--profiles" => config.profiles = Some(PathBuf::from(value("--profiles")?)),
            "--max-connections" => {
                config.max_connections = parse_num(&value(&flag)?, &flag)?;
                if config.max_connections == 0 {
                    return Err(ArgError("--max-connections must be at least 1".into()));
                }
            }
            "--request-timeout-ms" => {
                let ms: u64 = parse_num(&value(&flag)?, &flag)?;
                if ms == 0 {
                    return Err(ArgError("--request-timeout-ms must be at least 1".into()));
                }
                config.request_timeout = Duration::from_millis(ms);
            }
            "--fail-rate" => config.chaos.fail_rate = parse_num(&value(&flag)?, &flag)?,
            "--fail-status" => config.chaos.status = parse_num(&value(&flag)?, &flag)?,
            "--rate-429" => config.chaos.rate429 = parse_num(&value(&flag)?, &flag)?,
            "--retry-after" => config.chaos.retry_after = parse_num(&value(&flag)?, &flag)?,
            "--latency-ms" => config.chaos.latency_ms = parse_num(&value(&flag)?, &flag)?,
            "--drop-rate" => config.chaos.drop_rate = parse_num(&value(&flag)?, &flag)?,
            "--seed" => config.chaos.seed = parse_num(&value(&flag)?, &flag)?,
            "--fresh" | "--quiet" if inline.is_some() => {
                return Err(ArgError(format!("{flag} takes no value")))
            }
            "--fresh" => config.fresh = true,
            "--quiet" => config.log = false,
            other => return Err(ArgError(format!("unknown argument {other:?}"))),
        }
    }
    config.chaos.validate().map_err(ArgError)?;
    Ok(Command::Run(Box::new(config)))
}

fn parse_num<T: std::str::FromStr>(text: &str, name: &str) -> Result<T, ArgError> {
    text.trim()
        .parse()
        .map_err(|_| ArgError(format!("{name}: invalid value {text:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str], env: Option<&str>) -> Result<Config, ArgError> {
        match parse_args(args.iter().map(|s| s.to_string()), env.map(String::from))? {
            Command::Run(c) => Ok(*c),
            Command::Help => Err(ArgError("help".into())),
        }
    }

    #[test]
    fn defaults_and_env_port() {
        let c = run(&[], None).unwrap();
        assert_eq!(c.port, 8080);
        assert_eq!(c.www, PathBuf::from("www"));
        assert!(c.log);
        assert_eq!(run(&[], Some("9000")).unwrap().port, 9000);
        assert_eq!(run(&["--port", "0"], Some("9000")).unwrap().port, 0);
    }

    #[test]
    fn flags_with_and_without_equals() {
        let c = run(
            &[
                "--port=1234",
                "--www",
                "site",
                "--csp=default-src 'self'",
                "--fresh",
                "--quiet",
                "--fail-rate",
                "0.5",
                "--rate-429=0.25",
                "--seed",
                "7",
            ],
            None,
        )
        .unwrap();
        assert_eq!(c.port, 1234);
        assert_eq!(c.www, PathBuf::from("site"));
        assert_eq!(c.csp.as_deref(), Some("default-src 'self'"));
        assert!(c.fresh && !c.log);
        assert_eq!(c.chaos.fail_rate, 0.5);
        assert_eq!(c.chaos.rate429, 0.25);
        assert_eq!(c.chaos.seed, 7);
    }

    #[test]
    fn errors() {
        assert!(run(&["--port", "99999"], None).is_err());
        assert!(run(&["--port"], None).is_err());
        assert!(run(&["--bogus"], None).is_err());
        assert!(run(&["--fail-rate", "2"], None).is_err());
        assert!(run(&["--fresh=1"], None).is_err());
        assert!(run(&[], Some("abc")).is_err());
        assert!(matches!(
            parse_args(vec!["--help".to_string()], None),
            Ok(Command::Help)
        ));
    }
}
