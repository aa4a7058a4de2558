//! A bot on a webhook with `telegram_api::ext`: Telegram POSTs each update to the application's
//! own HTTP server, which checks the secret token, answers 200 at once and hands the update to
//! the same ordered worker pool as polling.
//!
//! ```sh
//! cargo run --example webhook_app            # offline: a fake Telegram posts to the server
//! TELEGRAM_BOT_TOKEN=123456:ABC-DEF WEBHOOK_URL=https://bot.example.com/telegram \
//!     WEBHOOK_SECRET=my-secret_42 WEBHOOK_ADDR=127.0.0.1:8080 \
//!     cargo run --example webhook_app        # live: sets the webhook and serves it
//! ```
//!
//! Telegram posts only to a public HTTPS URL (on port 443, 80, 88 or 8443): put a reverse
//! proxy that holds the certificate (nginx, Caddy, a tunnel...) in front of `WEBHOOK_ADDR`.
//! With `WEBHOOK_URL` set, the application calls `setWebhook` at start with the URL, the secret
//! and the update types its handlers take. While a webhook is set, polling fails with 409
//! Conflict; `bot.delete_webhook().call()` goes back to polling.

use telegram_api::ext::{Application, Context, RunError, Webhook, filters};
use telegram_api::testing::World;
use telegram_api::{Bot, Error};

fn main() -> Result<(), RunError> {
    match Bot::from_env() {
        Ok(bot) => webhook_bot(bot).run_webhook(webhook_from_env()?),
        Err(_) => {
            println!(
                "No TELEGRAM_BOT_TOKEN: a fake Telegram posts a message to the webhook, offline."
            );
            print!("{}", offline());
            Ok(())
        }
    }
}

/// Offline: the application serves its webhook on a local port, and a fake Telegram
/// (`telegram_api::testing`) posts John's message to it; what happened, one line each.
pub fn offline() -> String {
    let world = World::new();
    world.run_webhook(&webhook_bot(world.bot()));
    world.user("John Doe").send("Hello, webhook!");
    world.transcript()
}

/// The bot: text messages are answered "You said: ...".
pub fn webhook_bot(bot: Bot) -> Application {
    Application::builder(bot)
        .message(filters::text(), answer)
        .build()
}

fn answer(ctx: &Context) -> Result<(), Error> {
    let text = ctx.effective_message().and_then(|m| m.text.as_deref());
    ctx.reply(format!("You said: {}", text.unwrap_or_default()))
        .call()?;
    Ok(())
}

/// The webhook from `WEBHOOK_ADDR` (default `127.0.0.1:8080`), `WEBHOOK_URL` (the public URL
/// to register, optional) and `WEBHOOK_SECRET` (optional with `WEBHOOK_URL`: a random one is
/// made).
fn webhook_from_env() -> Result<Webhook, RunError> {
    let addr = std::env::var("WEBHOOK_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".to_owned());
    let mut webhook = Webhook::new(&addr);
    if let Ok(url) = std::env::var("WEBHOOK_URL") {
        webhook = webhook.url(url);
    }
    match std::env::var("WEBHOOK_SECRET") {
        Ok(secret) => webhook = webhook.secret_token(secret),
        Err(_) if std::env::var("WEBHOOK_URL").is_err() => {
            return Err(Error::Config(
                "set WEBHOOK_URL, or WEBHOOK_SECRET to the secret of the webhook already set"
                    .into(),
            )
            .into());
        }
        Err(_) => {}
    }
    println!("Using TELEGRAM_BOT_TOKEN: serving the webhook on http://{addr}, Ctrl-C to stop.");
    Ok(webhook)
}
