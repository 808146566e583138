//! The command line: `serve`, `migrate`, `client …`, `token …`, `sign`, `demo`,
//! `receiver-check`.
//! Stable: scripts and operators depend on these names and flags.

use crate::auth::secrets::MasterKey;
use crate::auth::signature::{self, SignInput, SignMethod};
use crate::config::Settings;
use crate::domain::client::{ClientKind, Dialect};
use crate::service::{self, admin, ops};
use crate::store::clients::ClientChange;
use crate::{startup, telemetry};
use clap::{Args, Parser, Subcommand};
use serde::Serialize;
use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use tokio_util::sync::CancellationToken;

#[derive(Parser)]
#[command(name = "hongxun-gateway", version, about = "鸿讯 open-API gateway")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the API (needs DATABASE_URL; run `migrate` first).
    Serve {
        /// Address to bind, e.g. 0.0.0.0:8080 (default from config: server.bind).
        #[arg(long)]
        bind: Option<SocketAddr>,
    },
    /// Apply database migrations.
    Migrate,
    /// Manage identities (customers, carriers, devices).
    #[command(subcommand)]
    Client(ClientCommand),
    /// Manage ops API bearer tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Print the signature a request body needs (签名验证工具); no database needed.
    Sign(SignArgs),
    /// Create the demo identities when missing and print their credentials.
    Demo,
    /// Inspect and replay pushes.
    #[command(subcommand)]
    Push(PushCommand),
    /// Send one signed sample of every push type of a dialect to a receiver and say which
    /// answers the gateway would count as delivered; exits 1 if any would not. No database.
    ReceiverCheck(ReceiverCheckArgs),
}

#[derive(Args)]
pub struct ReceiverCheckArgs {
    /// The receiver's dialect: hongxun, qimen or tms (OMS has no pushes).
    #[arg(long, value_parser = parse_dialect)]
    pub dialect: Dialect,
    /// The receiver's URL (for 3TMS: every subscription scope's).
    #[arg(long)]
    pub url: String,
    /// The identity's secret the samples are signed with.
    #[arg(long, env = "HXGW_RECEIVER_SECRET", hide_env_values = true)]
    pub secret: String,
    /// 鸿讯: the createBy and dataSource the envelopes carry.
    #[arg(long, default_value = "SANDBOX")]
    pub create_by: String,
    #[arg(long, default_value = "SANDBOX-ERP")]
    pub data_source: String,
    /// Qimen: the app key and customerId the calls carry.
    #[arg(long, default_value = "sandbox-qimen")]
    pub app_key: String,
    #[arg(long, default_value = "SANDBOX-QIMEN-C")]
    pub customer_id: String,
    /// Seconds each sample may take.
    #[arg(long, default_value_t = 10)]
    pub timeout_secs: u64,
    /// Print the outcome as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand)]
pub enum PushCommand {
    /// Queue a push (dead or delivered) again with a fresh schedule and the same eventId;
    /// prints it as JSON.
    Replay {
        /// The push id (`id` in GET /ops/v1/pushes).
        id: i64,
    },
    /// Pushes in a status (pending, delivered or dead), newest first, as JSON.
    List {
        #[arg(long, default_value = "dead")]
        status: String,
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
}

#[derive(Args)]
pub struct Identity {
    #[arg(long)]
    pub create_by: String,
    #[arg(long)]
    pub data_source: String,
}

#[derive(Subcommand)]
pub enum ClientCommand {
    /// Add an identity; prints it as JSON with its secret.
    Add {
        #[arg(long, value_parser = parse_kind)]
        kind: ClientKind,
        #[command(flatten)]
        id: Identity,
        /// The secret (generated when absent: 40 hex characters).
        #[arg(long)]
        secret: Option<String>,
        /// Where pushes to this identity go.
        #[arg(long)]
        callback_url: Option<String>,
        #[arg(long)]
        name: Option<String>,
        /// Calls per hour (default from config: auth.default_rate_limit_per_hour).
        #[arg(long)]
        rate_limit: Option<i32>,
        /// The protocol it speaks: hongxun (default), qimen, oms, tms.
        #[arg(long, value_parser = parse_dialect, default_value = "hongxun")]
        dialect: Dialect,
        /// Qimen and OMS identities: the app key their calls carry.
        #[arg(long)]
        app_key: Option<String>,
        /// Qimen identities: the customerId their calls carry.
        #[arg(long)]
        customer_id: Option<String>,
        /// 3TMS accounts: the user name they sign in with.
        #[arg(long)]
        user_name: Option<String>,
        /// 3TMS accounts: the password (stored as an argon2 hash). It shows in the process
        /// list: prefer --password-file or HXGW_TMS_PASSWORD.
        #[arg(long, env = "HXGW_TMS_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        /// 3TMS accounts: read the password from this file (its first line), - for stdin.
        #[arg(long, conflicts_with = "password")]
        password_file: Option<PathBuf>,
        /// In a sandbox tenant: a simulated warehouse, carrier and scanner work its orders, and
        /// signature failures say what was signed. Its createBy must be nobody's real one.
        #[arg(long)]
        sandbox: bool,
    },
    /// List identities (no secrets).
    List,
    /// Replace an identity's secret; prints the new one. The old one stops working at once.
    RotateSecret {
        #[command(flatten)]
        id: Identity,
        #[arg(long)]
        secret: Option<String>,
    },
    /// Refuse every call of an identity (code 1001) until enabled again.
    Disable {
        #[command(flatten)]
        id: Identity,
    },
    /// Allow a disabled identity again.
    Enable {
        #[command(flatten)]
        id: Identity,
    },
    /// Set (or with --clear remove) the callback URL of an identity.
    SetCallback {
        #[command(flatten)]
        id: Identity,
        #[arg(long, required_unless_present = "clear")]
        url: Option<String>,
        #[arg(long, conflicts_with = "url")]
        clear: bool,
    },
    /// 3TMS accounts: set a new password (from a file, stdin or HXGW_TMS_PASSWORD); the
    /// account's tokens stop working at once.
    SetPassword {
        #[command(flatten)]
        id: Identity,
        /// The first line of this file, - for stdin.
        #[arg(long)]
        password_file: Option<PathBuf>,
        #[arg(
            long,
            env = "HXGW_TMS_PASSWORD",
            hide_env_values = true,
            conflicts_with = "password_file"
        )]
        password: Option<String>,
    },
    /// 3TMS accounts: end the account's access and refresh token at once (it signs in again).
    RevokeTokens {
        #[command(flatten)]
        id: Identity,
    },
    /// Set an identity's own hourly limit, or with --default use the configured one.
    SetRateLimit {
        #[command(flatten)]
        id: Identity,
        #[arg(long, required_unless_present = "default")]
        per_hour: Option<i32>,
        #[arg(long, conflicts_with = "per_hour")]
        default: bool,
    },
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Issue an ops bearer token; it is printed once and only its hash is kept.
    Add {
        #[arg(long)]
        name: String,
    },
    List,
    Disable {
        #[arg(long)]
        name: String,
    },
    Enable {
        #[arg(long)]
        name: String,
    },
}

#[derive(Args)]
pub struct SignArgs {
    /// Whose signature: hongxun (the §1 envelope, default), qimen (TOP parameters and body) or
    /// oms (seed 001 parameters: --params and/or a JSON object --body).
    #[arg(long, value_parser = parse_dialect, default_value = "hongxun")]
    pub dialect: Dialect,
    /// The identity's secret.
    #[arg(long, env = "HXGW_SIGN_SECRET", hide_env_values = true)]
    pub secret: String,
    /// 鸿讯: a file with the request envelope (createBy, dataSource, timestamp, [signMethod],
    /// request). Qimen: the raw body (XML or JSON), if the call has one. - for stdin.
    #[arg(long)]
    pub body: Option<PathBuf>,
    /// Qimen and OMS: the call's parameters, urlencoded (`method=…&app_key=…&customerId=…`).
    #[arg(long)]
    pub params: Option<String>,
    /// Set the timestamp to the current time (UTC+08:00) before signing.
    #[arg(long)]
    pub now: bool,
    /// Print what to send instead of only the signature: 鸿讯 the whole body (request text
    /// unchanged), Qimen the query string with `sign`, OMS the form (or JSON body) with `sign`.
    #[arg(long)]
    pub print_body: bool,
}

/// `receiver-check`: the table (or JSON) on stdout; an error when a sample was not accepted.
async fn receiver_check(a: &ReceiverCheckArgs) -> anyhow::Result<()> {
    let target = crate::push::check::Target {
        dialect: a.dialect,
        url: a.url.clone(),
        secret: a.secret.clone(),
        create_by: a.create_by.clone(),
        data_source: a.data_source.clone(),
        app_key: Some(a.app_key.clone()),
        customer_id: Some(a.customer_id.clone()),
        timeout: std::time::Duration::from_secs(a.timeout_secs.max(1)),
    };
    let rows = crate::push::check::check(&startup::dialect_pushes(), &target)
        .await
        .map_err(anyhow::Error::msg)?;
    if a.json {
        print_json(&rows)?;
    } else {
        use std::io::Write;
        let _ = write!(std::io::stdout(), "{}", crate::push::check::table(&rows));
    }
    let failed = rows.iter().filter(|r| !r.accepted).count();
    if failed > 0 {
        anyhow::bail!("{failed} of {} push types were not accepted", rows.len());
    }
    Ok(())
}

/// A line for the operator on stderr; a closed stderr is not an error worth failing for.
fn eprintln_safe(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// The password from `--password`/`HXGW_TMS_PASSWORD` or the first line of a file (- for
/// stdin), so that it need not show in the process list.
fn read_password(value: Option<String>, file: Option<&Path>) -> anyhow::Result<Option<String>> {
    let Some(path) = file else { return Ok(value) };
    let text = if path == Path::new("-") {
        let mut s = String::new();
        std::io::stdin().read_line(&mut s)?;
        s
    } else {
        std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("--password-file {}: {e}", path.display()))?
    };
    let line = text.lines().next().unwrap_or("").to_string();
    anyhow::ensure!(!line.is_empty(), "--password-file: the first line is empty");
    Ok(Some(line))
}

fn parse_kind(s: &str) -> Result<ClientKind, String> {
    s.parse()
}

fn parse_dialect(s: &str) -> Result<Dialect, String> {
    Dialect::parse(s).ok_or_else(|| format!("unknown dialect {s:?} (hongxun, qimen, oms, tms)"))
}

fn print_json<T: Serialize>(v: &T) -> anyhow::Result<()> {
    use std::io::Write;
    // writeln, not println: a closed stdout (`… | head`) is an error, not a panic.
    writeln!(std::io::stdout(), "{}", serde_json::to_string_pretty(v)?)?;
    Ok(())
}

/// The multi-threaded runtime, with `server.worker_threads` workers (0, or settings that do
/// not load: tokio's default, one per core or `TOKIO_WORKER_THREADS`; a command that needs the
/// settings reports their fault itself).
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.enable_all();
    match Settings::load().map(|s| s.server.worker_threads) {
        Ok(0) | Err(_) => {}
        Ok(n) => {
            builder.worker_threads(n);
        }
    }
    Ok(builder.build()?)
}

/// Runs the parsed command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    if let Command::Sign(args) = &cli.command {
        return sign(args);
    }
    if let Command::ReceiverCheck(args) = &cli.command {
        return receiver_check(args).await;
    }
    let mut settings = Settings::load()?;
    telemetry::init(&settings.log)?;
    let data_dir = settings.server.data_dir.clone();
    let load_key =
        move || MasterKey::load(std::env::var("HXGW_MASTER_KEY").ok().as_deref(), &data_dir);
    let key = || {
        load_key().map(|(k, source)| {
            source.warn_if_development();
            k
        })
    };
    let pool = startup::pool(&settings)?;
    match cli.command {
        Command::Sign(_) | Command::ReceiverCheck(_) => unreachable!("handled above"),
        Command::Migrate => {
            startup::migrate(&pool).await?;
            eprintln_safe("migrations applied");
        }
        Command::Serve { bind } => {
            let (key, source) = load_key()?;
            if let Some(b) = bind {
                settings.server.bind = b;
            }
            let app = startup::Application::build(settings, pool, key).await?;
            let token = CancellationToken::new();
            startup::shutdown_on_signals(token.clone());
            // "listening on ADDR" is the first log line; warnings follow it.
            let served = app.run(token, move || source.warn_if_development()).await;
            // Whatever the log reader does, the last lines get a second at most.
            telemetry::flush(std::time::Duration::from_secs(1));
            served?;
        }
        Command::Demo => print_json(&admin::ensure_demo(&pool, &key()?).await?)?,
        Command::Client(c) => client(c, &pool, key).await?,
        Command::Push(PushCommand::Replay { id }) => {
            print_json(&ops::replay_push(&pool, None, id).await?.value)?
        }
        Command::Push(PushCommand::List { status, limit }) => {
            if !["pending", "delivered", "dead"].contains(&status.as_str()) {
                anyhow::bail!("--status must be pending, delivered or dead");
            }
            let rows = ops::list_pushes(&pool, &status, limit.clamp(1, 1000)).await?;
            let views: Vec<ops::PushView> = rows.into_iter().map(ops::PushView::from).collect();
            print_json(&views)?
        }
        Command::Token(t) => match t {
            TokenCommand::Add { name } => print_json(&admin::add_token(&pool, &name).await?)?,
            TokenCommand::List => print_json(&admin::list_tokens(&pool).await?)?,
            TokenCommand::Disable { name } => admin::set_token_status(&pool, &name, false).await?,
            TokenCommand::Enable { name } => admin::set_token_status(&pool, &name, true).await?,
        },
    }
    Ok(())
}

async fn client(
    c: ClientCommand,
    pool: &sqlx::PgPool,
    key: impl Fn() -> Result<MasterKey, crate::auth::secrets::KeyError>,
) -> anyhow::Result<()> {
    let change =
        async |id: Identity, change: ClientChange<'_>| -> Result<(), service::ServiceError> {
            print_json(&admin::change_client(pool, &id.create_by, &id.data_source, change).await?)
                .map_err(|e| service::ServiceError::Internal(e.to_string()))
        };
    match c {
        ClientCommand::Add {
            kind,
            id,
            secret,
            callback_url,
            name,
            rate_limit,
            dialect,
            app_key,
            customer_id,
            user_name,
            password,
            password_file,
            sandbox,
        } => {
            let password = read_password(password, password_file.as_deref())?;
            let input = admin::NewClientInput {
                kind,
                create_by: id.create_by,
                data_source: id.data_source,
                name,
                secret,
                callback_url,
                rate_limit_per_hour: rate_limit,
                dialect,
                app_key,
                customer_id,
                user_name,
                password,
                sandbox,
            };
            print_json(&admin::add_client(pool, &key()?, input).await?)?;
        }
        ClientCommand::List => print_json(&admin::list_clients(pool).await?)?,
        ClientCommand::SetPassword {
            id,
            password_file,
            password,
        } => {
            let password = read_password(password, password_file.as_deref())?.ok_or_else(|| {
                anyhow::anyhow!("give --password-file (- for stdin) or HXGW_TMS_PASSWORD")
            })?;
            admin::set_tms_password(pool, &id.create_by, &id.data_source, password).await?;
            eprintln_safe("password set; the account's tokens were revoked");
        }
        ClientCommand::RevokeTokens { id } => {
            let live = admin::revoke_tms_tokens(pool, &id.create_by, &id.data_source).await?;
            eprintln_safe(if live {
                "tokens revoked"
            } else {
                "no live token to revoke"
            });
        }
        ClientCommand::RotateSecret { id, secret } => print_json(
            &admin::rotate_secret(pool, &key()?, &id.create_by, &id.data_source, secret).await?,
        )?,
        ClientCommand::Disable { id } => {
            change(
                id,
                ClientChange {
                    status: Some("disabled"),
                    ..Default::default()
                },
            )
            .await?
        }
        ClientCommand::Enable { id } => {
            change(
                id,
                ClientChange {
                    status: Some("active"),
                    ..Default::default()
                },
            )
            .await?
        }
        ClientCommand::SetCallback { id, url, clear: _ } => {
            let url = url.as_deref();
            change(
                id,
                ClientChange {
                    callback_url: Some(url),
                    ..Default::default()
                },
            )
            .await?
        }
        ClientCommand::SetRateLimit {
            id,
            per_hour,
            default: _,
        } => {
            if matches!(per_hour, Some(n) if n <= 0) {
                anyhow::bail!("--per-hour must be > 0");
            }
            change(
                id,
                ClientChange {
                    rate_limit_per_hour: Some(per_hour),
                    ..Default::default()
                },
            )
            .await?
        }
    }
    Ok(())
}

/// The envelope fields the `sign` command reads; `request` kept as its exact text.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct SignBody<'a> {
    create_by: String,
    data_source: String,
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(default)]
    sign_method: Option<String>,
    #[serde(borrow)]
    request: &'a serde_json::value::RawValue,
}

fn read_body(path: &std::path::Path) -> anyhow::Result<String> {
    let mut text = String::new();
    if path.as_os_str() == "-" {
        std::io::stdin().read_to_string(&mut text)?;
    } else {
        text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    }
    Ok(text)
}

/// The Qimen signature of a call: its parameters (urlencoded) and raw body.
fn sign_qimen(args: &SignArgs) -> anyhow::Result<()> {
    use crate::dialect::qimen::{params, sign};
    let body = args.body.as_deref().map(read_body).transpose()?;
    let query = args
        .params
        .as_deref()
        .ok_or_else(|| anyhow::anyhow!("--params is required for a Qimen signature"))?;
    let mut p = params::read(Some(query), "", true).map_err(anyhow::Error::msg)?;
    p.pairs.retain(|(k, _)| k != "sign");
    if args.now {
        p.pairs.retain(|(k, _)| k != "timestamp");
        p.pairs.push((
            "timestamp".into(),
            crate::auth::timestamp::format(chrono::Utc::now()),
        ));
    }
    let method = p.sign_method().map_err(anyhow::Error::msg)?;
    let sig = sign::sign(
        method,
        &args.secret,
        &sign::sign_string(&p.pairs, body.as_deref(), false),
    );
    if args.print_body {
        p.pairs.push(("sign".into(), sig));
        let q: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(p.pairs.iter())
            .finish();
        println!("{q}");
    } else {
        println!("{sig}");
    }
    Ok(())
}

/// The OMS signature of a call: its parameters (urlencoded) and/or a JSON object body.
fn sign_oms(args: &SignArgs) -> anyhow::Result<()> {
    use crate::dialect::oms::{params, sign};
    let body = args.body.as_deref().map(read_body).transpose()?;
    let json_body = body.as_deref().is_some_and(|b| !b.trim().is_empty());
    if args.params.is_none() && !json_body {
        anyhow::bail!("--params and/or --body (a JSON object) is required for an OMS signature");
    }
    let kind = if json_body {
        params::BodyKind::Json
    } else {
        params::BodyKind::Form
    };
    let mut p = params::read(args.params.as_deref(), body.as_deref().unwrap_or(""), kind)
        .map_err(anyhow::Error::msg)?;
    p.0.remove("sign");
    if args.now {
        let now = chrono::Utc::now().with_timezone(&crate::domain::time::china());
        // Part 2 (`flag`) writes yyyyMMddHHmmss; part 1 yyyy-MM-dd HH:mm:ss.
        let t = if p.0.contains_key("flag") {
            now.format("%Y%m%d%H%M%S").to_string()
        } else {
            now.format(crate::domain::time::FORMAT).to_string()
        };
        p.0.insert("timestamp".into(), serde_json::Value::String(t));
    }
    let sig = sign::sign(&sign::assemble(&p.0), &args.secret);
    if !args.print_body {
        println!("{sig}");
        return Ok(());
    }
    p.0.insert("sign".into(), serde_json::Value::String(sig));
    if json_body {
        println!("{}", serde_json::to_string(&p.0)?);
    } else {
        let mut f = url::form_urlencoded::Serializer::new(String::new());
        for k in p.0.keys() {
            f.append_pair(k, &p.text(k).unwrap_or_default());
        }
        println!("{}", f.finish());
    }
    Ok(())
}

fn sign(args: &SignArgs) -> anyhow::Result<()> {
    match args.dialect {
        Dialect::Qimen => return sign_qimen(args),
        Dialect::Oms => return sign_oms(args),
        _ => {}
    }
    let path = args
        .body
        .as_deref()
        .ok_or_else(|| anyhow::anyhow!("--body is required"))?;
    let text = read_body(path)?;
    let body: SignBody = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("the body is not a request envelope: {e}"))?;
    let timestamp = if args.now {
        crate::auth::timestamp::format(chrono::Utc::now())
    } else {
        body.timestamp
            .clone()
            .ok_or_else(|| anyhow::anyhow!("the body has no timestamp (or pass --now)"))?
    };
    let method = SignMethod::parse(body.sign_method.as_deref()).map_err(anyhow::Error::msg)?;
    let input = SignInput {
        create_by: &body.create_by,
        data_source: &body.data_source,
        timestamp: &timestamp,
        sign_method: body.sign_method.as_deref(),
        request: body.request.get(),
    };
    let sig = signature::sign(method, &args.secret, &input);
    if !args.print_body {
        println!("{sig}");
        return Ok(());
    }
    // Rebuild the envelope around the untouched request text.
    let mut out = format!(
        "{{\"createBy\":{},\"dataSource\":{},\"timestamp\":{},",
        serde_json::to_string(&body.create_by)?,
        serde_json::to_string(&body.data_source)?,
        serde_json::to_string(&timestamp)?
    );
    if let Some(m) = &body.sign_method {
        out.push_str(&format!("\"signMethod\":{},", serde_json::to_string(m)?));
    }
    out.push_str(&format!(
        "\"sign\":\"{sig}\",\"request\":{}}}",
        body.request.get()
    ));
    println!("{out}");
    Ok(())
}
