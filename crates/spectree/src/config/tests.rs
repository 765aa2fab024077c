//! Tests of the layering, validation and rendering of the configuration.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use spectree_domain::identity::SignupMode;

use super::*;

const FILE: &str = "config.toml";

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn with_file(text: &str, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    load_from(
        Some((Path::new(FILE), text)),
        &env(vars),
        &Overrides::default(),
    )
}

fn defaults() -> Config {
    load(None, &HashMap::new(), &Overrides::default()).unwrap()
}

fn error(result: Result<Config, ConfigError>) -> String {
    result.unwrap_err().to_string()
}

#[test]
fn defaults_match_the_documented_values() {
    let config = defaults();
    assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(config.data_dir, Path::new("./spectree-data"));
    assert_eq!(
        config.database_url.expose(),
        "sqlite://./spectree-data/spectree.db"
    );
    assert!(config.redis_url.is_none());
    assert_eq!(config.public_url, "http://127.0.0.1:8080");
    assert_eq!(config.log_format, LogFormat::Text);
    assert_eq!(config.database.max_connections, 10);
    assert_eq!(config.database.acquire_timeout, Duration::from_secs(10));
    assert_eq!(config.http.max_body_bytes, 1_048_576);
    assert!(!config.http.secure_cookies);
    assert!(!config.http.trust_forwarded_for);
    assert_eq!(
        config.auth.session_idle_timeout,
        Duration::from_secs(7 * 86_400)
    );
    assert_eq!(
        config.auth.session_absolute_timeout,
        Duration::from_secs(30 * 86_400)
    );
    assert_eq!(
        config.auth.verification_ttl,
        Duration::from_secs(48 * 3_600)
    );
    assert_eq!(config.auth.password_reset_ttl, Duration::from_secs(3_600));
    assert_eq!(config.auth.invitation_ttl, Duration::from_secs(14 * 86_400));
    assert_eq!(config.auth.login_max_failures, 10);
    assert_eq!(config.auth.login_window, Duration::from_secs(15 * 60));
    assert_eq!(config.auth.password_min_length, 10);
    assert_eq!(config.signup.mode, SignupMode::Open);
    assert!(config.signup.allowed_domains.is_empty());
    assert_eq!(config.mail.from, "Spec Tree <spectree@localhost>");
    assert!(config.mail.smtp_url.is_none());
}

#[test]
fn each_layer_overrides_the_one_below() {
    let file = "listen = \"127.0.0.1:1000\"\n\
                public_url = \"http://file.example\"\n\
                [auth]\nlogin_window = \"5m\"\npassword_min_length = 12\n";
    let vars = [
        ("SPECTREE_LISTEN", "127.0.0.1:2000"),
        ("SPECTREE_AUTH_LOGIN_WINDOW", "7m"),
    ];
    let flags = Overrides {
        listen: Some("127.0.0.1:3000".into()),
        ..Overrides::default()
    };

    let config = load_from(Some((Path::new(FILE), file)), &env(&vars), &flags).unwrap();

    // flag > env > file
    assert_eq!(config.listen.port(), 3000);
    // env > file
    assert_eq!(config.auth.login_window, Duration::from_secs(7 * 60));
    // file > default
    assert_eq!(config.auth.password_min_length, 12);
    assert_eq!(config.public_url, "http://file.example");
    // default where nobody says otherwise
    assert_eq!(config.auth.login_max_failures, 10);

    let without_flag = with_file(file, &vars).unwrap();
    assert_eq!(without_flag.listen.port(), 2000);
    let file_only = with_file(file, &[]).unwrap();
    assert_eq!(file_only.listen.port(), 1000);
}

#[test]
fn every_flag_overrides_its_key() {
    let flags = Overrides {
        listen: Some("0.0.0.0:9000".into()),
        data_dir: Some("/srv/spectree".into()),
        database_url: Some("postgres://u:p@db/spectree".into()),
        redis_url: Some("redis://cache:6379".into()),
        public_url: Some("https://specs.example.com/".into()),
    };
    let config = load(None, &HashMap::new(), &flags).unwrap();
    assert_eq!(config.listen.port(), 9000);
    assert_eq!(config.data_dir, Path::new("/srv/spectree"));
    assert_eq!(config.database_url.expose(), "postgres://u:p@db/spectree");
    assert_eq!(
        config.redis_url.as_ref().map(Secret::expose),
        Some("redis://cache:6379")
    );
    assert_eq!(config.public_url, "https://specs.example.com");
    assert!(config.http.secure_cookies);
}

#[test]
fn an_unknown_file_key_is_rejected_by_name() {
    let message = error(with_file("[auth]\nsesion_idle_timeout = \"1d\"\n", &[]));
    assert_eq!(
        message,
        "unknown key \"auth.sesion_idle_timeout\" in config.toml \
         (did you mean auth.session_idle_timeout?)"
    );
    let message = error(with_file("colour = \"blue\"\n", &[]));
    assert_eq!(message, "unknown key \"colour\" in config.toml");
    let message = error(with_file("[nope]\nx = 1\n", &[]));
    assert!(message.contains("\"nope\""), "{message}");
}

#[test]
fn a_section_given_as_a_value_is_rejected() {
    let message = error(with_file("auth = 5\n", &[]));
    assert_eq!(
        message,
        "auth: expected a [auth] table, found integer (from config.toml)"
    );
}

#[test]
fn invalid_toml_names_the_file() {
    let message = error(with_file("listen = \n", &[]));
    assert!(
        message.starts_with("config.toml is not valid TOML"),
        "{message}"
    );
}

#[test]
fn a_missing_config_file_is_an_error_naming_it() {
    let path = Path::new("/nonexistent/spectree.toml");
    let message = error(load(Some(path), &HashMap::new(), &Overrides::default()));
    assert!(
        message.starts_with("cannot read config file /nonexistent/spectree.toml"),
        "{message}"
    );
}

#[test]
fn a_real_file_on_disk_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spectree.toml");
    std::fs::write(&path, "[signup]\nmode = \"invite_only\"\n").unwrap();
    let config = load(Some(&path), &HashMap::new(), &Overrides::default()).unwrap();
    assert_eq!(config.signup.mode, SignupMode::InviteOnly);
}

#[test]
fn an_unknown_spectree_variable_is_rejected() {
    let message = error(with_file(
        "",
        &[("SPECTREE_AUTH_SESION_IDLE_TIMEOUT", "1d")],
    ));
    assert_eq!(
        message,
        "unknown environment variable SPECTREE_AUTH_SESION_IDLE_TIMEOUT \
         (did you mean SPECTREE_AUTH_SESSION_IDLE_TIMEOUT?)"
    );
    // _FILE is only for secrets.
    let message = error(with_file("", &[("SPECTREE_LISTEN_FILE", "/x")]));
    assert!(message.contains("SPECTREE_LISTEN_FILE"), "{message}");
}

#[test]
fn the_log_filter_config_path_and_test_variables_are_not_settings() {
    let vars = [
        ("SPECTREE_LOG", "debug"),
        ("SPECTREE_CONFIG", "/etc/spectree.toml"),
        ("SPECTREE_TEST_POSTGRES_URL", "postgres://x"),
        ("PATH", "/usr/bin"),
    ];
    with_file("", &vars).unwrap();
}

#[test]
fn a_bad_duration_names_the_key_and_the_source() {
    let message = error(with_file(
        "",
        &[("SPECTREE_AUTH_SESSION_IDLE_TIMEOUT", "abc")],
    ));
    assert!(
        message.starts_with("auth.session_idle_timeout: invalid duration \"abc\""),
        "{message}"
    );
    assert!(
        message.ends_with("(from SPECTREE_AUTH_SESSION_IDLE_TIMEOUT)"),
        "{message}"
    );

    let message = error(with_file("[auth]\nlogin_window = 15\n", &[]));
    assert!(
        message.starts_with("auth.login_window: expected a duration"),
        "{message}"
    );
    assert!(message.ends_with("(from config.toml)"), "{message}");

    let message = error(with_file("[database]\nacquire_timeout = \"0s\"\n", &[]));
    assert_eq!(
        message,
        "database.acquire_timeout: duration must be greater than zero (from config.toml)"
    );
}

#[test]
fn a_bad_flag_names_the_flag() {
    let flags = Overrides {
        listen: Some("localhost".into()),
        ..Overrides::default()
    };
    let message = error(load(None, &HashMap::new(), &flags));
    assert!(
        message.starts_with("listen: invalid socket address"),
        "{message}"
    );
    assert!(message.ends_with("(from --listen)"), "{message}");
}

#[test]
fn a_secret_is_read_from_its_file_variable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    std::fs::write(&path, "postgres://u:s3cret@db/spectree\n").unwrap();
    let vars = [("SPECTREE_DATABASE_URL_FILE", path.to_str().unwrap())];
    let config = with_file("", &vars).unwrap();
    assert_eq!(
        config.database_url.expose(),
        "postgres://u:s3cret@db/spectree"
    );
}

#[test]
fn a_missing_secret_file_names_the_variable() {
    let vars = [("SPECTREE_MAIL_SMTP_URL_FILE", "/nonexistent/smtp")];
    let message = error(with_file("", &vars));
    assert!(
        message.starts_with(
            "mail.smtp_url: cannot read /nonexistent/smtp (from SPECTREE_MAIL_SMTP_URL_FILE)"
        ),
        "{message}"
    );
}

#[test]
fn a_secret_given_both_plainly_and_by_file_is_rejected() {
    let vars = [
        ("SPECTREE_REDIS_URL", "redis://a"),
        ("SPECTREE_REDIS_URL_FILE", "/run/secrets/redis"),
    ];
    assert_eq!(
        error(with_file("", &vars)),
        "redis_url: both SPECTREE_REDIS_URL and SPECTREE_REDIS_URL_FILE are set; set only one"
    );
}

#[test]
fn secrets_never_appear_in_print_debug_or_errors() {
    let vars = [
        ("SPECTREE_DATABASE_URL", "postgres://u:hunter2@db/x"),
        ("SPECTREE_REDIS_URL", "redis://:hunter2@cache"),
        ("SPECTREE_MAIL_SMTP_URL", "smtp://u:hunter2@mail:587"),
    ];
    let config = with_file("", &vars).unwrap();
    let printed = print(&config);
    let debugged = format!("{config:?}");
    for output in [&printed, &debugged] {
        assert!(!output.contains("hunter2"), "{output}");
        assert!(output.contains("[redacted]"), "{output}");
    }
    assert!(
        printed.contains("database_url = \"[redacted]\""),
        "{printed}"
    );
    assert!(printed.contains("smtp_url = \"[redacted]\""), "{printed}");

    let message = error(with_file(
        "",
        &[("SPECTREE_DATABASE_URL", "mysql://u:hunter2@db/x")],
    ));
    assert!(!message.contains("hunter2"), "{message}");
    assert!(message.starts_with("database_url: "), "{message}");

    let flags = Overrides {
        database_url: Some("postgres://u:hunter2@db/x".into()),
        ..Overrides::default()
    };
    assert!(!format!("{flags:?}").contains("hunter2"));
}

#[test]
fn the_example_round_trips_to_the_defaults() {
    let text = example();
    let from_example = with_file(&text, &[]).unwrap();
    let defaults = defaults();
    assert_eq!(format!("{from_example:?}"), format!("{defaults:?}"));
    assert_eq!(
        from_example.database_url.expose(),
        defaults.database_url.expose()
    );
    assert_eq!(print(&from_example), print(&defaults));
}

#[test]
fn the_example_documents_every_key_and_its_variable() {
    let text = example();
    for key in keys::KEYS {
        assert!(
            text.contains(&format!("{} = ", key.name())),
            "{} missing",
            key.path
        );
        assert!(text.contains(&key.env_name()), "{} missing", key.env_name());
    }
}

#[test]
fn print_round_trips_through_load() {
    let vars = [
        ("SPECTREE_LISTEN", "0.0.0.0:8443"),
        ("SPECTREE_PUBLIC_URL", "https://specs.example.com"),
        ("SPECTREE_SIGNUP_ALLOWED_DOMAINS", "Acme.com, example.org"),
        ("SPECTREE_SIGNUP_MODE", "invite_only"),
        ("SPECTREE_LOG_FORMAT", "json"),
        ("SPECTREE_AUTH_LOGIN_WINDOW", "1h 30m"),
        ("SPECTREE_HTTP_TRUST_FORWARDED_FOR", "true"),
    ];
    let config = with_file("", &vars).unwrap();
    // Secrets print redacted, so drop the line before loading the output back.
    let printed: String = print(&config)
        .lines()
        .filter(|line| !line.contains("[redacted]"))
        .map(|line| format!("{line}\n"))
        .collect();
    let reloaded = with_file(&printed, &[]).unwrap();
    assert_eq!(print(&reloaded), print(&config));
}

#[test]
fn the_derived_database_url_follows_data_dir_from_the_environment() {
    let config = with_file(
        "data_dir = \"/from/file\"\n",
        &[("SPECTREE_DATA_DIR", "/var/lib/spectree")],
    )
    .unwrap();
    assert_eq!(
        config.database_url.expose(),
        "sqlite:///var/lib/spectree/spectree.db"
    );
}

#[test]
fn public_url_and_secure_cookies_are_derived_unless_set() {
    let config = with_file("", &[("SPECTREE_LISTEN", "0.0.0.0:9000")]).unwrap();
    assert_eq!(config.public_url, "http://0.0.0.0:9000");
    assert!(!config.http.secure_cookies);

    let config = with_file("public_url = \"https://x.example/\"\n", &[]).unwrap();
    assert_eq!(config.public_url, "https://x.example");
    assert!(config.http.secure_cookies);

    let vars = [
        ("SPECTREE_PUBLIC_URL", "https://x.example"),
        ("SPECTREE_HTTP_SECURE_COOKIES", "false"),
    ];
    assert!(!with_file("", &vars).unwrap().http.secure_cookies);
}

#[test]
fn out_of_range_values_are_rejected_by_key() {
    let cases: &[(&str, &str, &str)] = &[
        ("SPECTREE_LISTEN", "nope", "listen: "),
        ("SPECTREE_DATABASE_URL", "mysql://x", "database_url: "),
        ("SPECTREE_REDIS_URL", "http://x", "redis_url: "),
        ("SPECTREE_PUBLIC_URL", "ftp://x", "public_url: "),
        ("SPECTREE_PUBLIC_URL", "https://", "public_url: "),
        (
            "SPECTREE_AUTH_LOGIN_MAX_FAILURES",
            "0",
            "auth.login_max_failures: ",
        ),
        (
            "SPECTREE_AUTH_PASSWORD_MIN_LENGTH",
            "7",
            "auth.password_min_length: ",
        ),
        (
            "SPECTREE_AUTH_PASSWORD_MIN_LENGTH",
            "257",
            "auth.password_min_length: ",
        ),
        (
            "SPECTREE_HTTP_MAX_BODY_BYTES",
            "1023",
            "http.max_body_bytes: ",
        ),
        (
            "SPECTREE_HTTP_MAX_BODY_BYTES",
            "268435457",
            "http.max_body_bytes: ",
        ),
        (
            "SPECTREE_DATABASE_MAX_CONNECTIONS",
            "0",
            "database.max_connections: ",
        ),
        ("SPECTREE_SIGNUP_MODE", "closed", "signup.mode: "),
        (
            "SPECTREE_SIGNUP_ALLOWED_DOMAINS",
            "acme",
            "signup.allowed_domains: ",
        ),
        ("SPECTREE_LOG_FORMAT", "xml", "log_format: "),
        (
            "SPECTREE_HTTP_SECURE_COOKIES",
            "maybe",
            "http.secure_cookies: ",
        ),
        ("SPECTREE_DATA_DIR", "", "data_dir: "),
        ("SPECTREE_MAIL_FROM", "nobody", "mail.from: "),
        ("SPECTREE_MAIL_SMTP_URL", "http://x", "mail.smtp_url: "),
    ];
    for (name, value, prefix) in cases {
        let message = error(with_file("", &[(name, value)]));
        assert!(message.starts_with(prefix), "{name}={value}: {message}");
        assert!(message.ends_with(&format!("(from {name})")), "{message}");
    }
}

#[test]
fn boundary_values_are_accepted() {
    let vars = [
        ("SPECTREE_AUTH_PASSWORD_MIN_LENGTH", "8"),
        ("SPECTREE_HTTP_MAX_BODY_BYTES", "268435456"),
        ("SPECTREE_AUTH_LOGIN_MAX_FAILURES", "1"),
        ("SPECTREE_DATABASE_URL", "postgresql://db/x"),
        ("SPECTREE_REDIS_URL", "rediss://cache"),
    ];
    let config = with_file("", &vars).unwrap();
    assert_eq!(config.auth.password_min_length, 8);
    assert_eq!(config.http.max_body_bytes, 268_435_456);
}

#[test]
fn allowed_domains_are_lowercased_from_either_source() {
    let config = with_file(
        "[signup]\nallowed_domains = [\"ACME.com\", \"Example.org\"]\n",
        &[],
    )
    .unwrap();
    assert_eq!(config.signup.allowed_domains, ["acme.com", "example.org"]);
    let config = with_file("", &[("SPECTREE_SIGNUP_ALLOWED_DOMAINS", "A.io,b.IO")]).unwrap();
    assert_eq!(config.signup.allowed_domains, ["a.io", "b.io"]);
}

#[test]
fn an_empty_optional_secret_unsets_what_the_file_set() {
    let config = with_file(
        "redis_url = \"redis://cache\"\n",
        &[("SPECTREE_REDIS_URL", "")],
    )
    .unwrap();
    assert!(config.redis_url.is_none());
}

#[test]
fn the_committed_configuration_reference_matches_the_example() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/configuration.md");
    let generated = format!(
        "# Configuration reference\n\nGenerated from the key table in `crates/spectree/src/config/keys.rs`; \
         `spectree config example` prints the same file, and a test fails when this page drifts \
         (`SPECTREE_UPDATE_DOCS=1 cargo test -p spectree --lib` rewrites it).\n\n```toml\n{}```\n",
        super::example()
    );
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    if committed != generated {
        if std::env::var_os("SPECTREE_UPDATE_DOCS").is_some() {
            std::fs::write(path, generated).unwrap();
        } else {
            panic!(
                "docs/configuration.md is stale: run SPECTREE_UPDATE_DOCS=1 cargo test -p spectree --lib"
            );
        }
    }
}

#[test]
fn the_ai_section_defaults_to_the_offline_generator() {
    let config = defaults();
    assert_eq!(config.ai.provider, AiProviderKind::Offline);
    assert_eq!(config.ai.offline_token_interval, Duration::from_millis(60));
    assert_eq!(config.ai.max_tokens, 1024);
    assert!(config.ai.api_key.is_none());
}

#[test]
fn the_openai_provider_needs_an_http_base_url_and_keeps_its_key_secret() {
    let message = error(with_file("[ai]\nprovider = \"openai\"\n", &[]));
    assert!(message.contains("ai.base_url"), "{message}");
    let message = error(with_file(
        "[ai]\nprovider = \"openai\"\nbase_url = \"ftp://llm\"\n",
        &[],
    ));
    assert!(message.contains("ai.base_url"), "{message}");
    let config = with_file(
        "[ai]\nprovider = \"openai\"\nbase_url = \"https://llm.internal/v1/\"\n\
         api_key = \"sk-very-secret\"\n",
        &[],
    )
    .unwrap();
    assert_eq!(
        config.ai.base_url.as_deref(),
        Some("https://llm.internal/v1")
    );
    assert_eq!(
        config.ai.api_key.as_ref().unwrap().expose(),
        "sk-very-secret"
    );
    assert!(!format!("{config:?}").contains("sk-very-secret"));
    assert!(!print(&config).contains("sk-very-secret"));
}

#[test]
fn the_credential_cache_lasts_a_second_can_be_turned_off_and_has_a_ceiling() {
    assert_eq!(defaults().auth.credential_cache_ttl, Duration::from_secs(1));
    let off = with_file("[auth]\ncredential_cache_ttl = \"0s\"\n", &[]).unwrap();
    assert_eq!(off.auth.credential_cache_ttl, Duration::ZERO);
    let env = with_file("", &[("SPECTREE_AUTH_CREDENTIAL_CACHE_TTL", "250ms")]).unwrap();
    assert_eq!(env.auth.credential_cache_ttl, Duration::from_millis(250));
    let message = error(with_file("[auth]\ncredential_cache_ttl = \"5m\"\n", &[]));
    assert!(message.contains("auth.credential_cache_ttl"), "{message}");
    assert!(message.contains("at most 1m"), "{message}");
    // Elsewhere a zero duration is still refused.
    let message = error(with_file("[auth]\nstream_recheck_interval = \"0s\"\n", &[]));
    assert!(message.contains("greater than zero"), "{message}");
}
