//! An inline menu on `telegram_api::ext::menu`: a settings menu with a toggle, a submenu with a
//! paged list, and a back button, redrawn in the same message after each press.
//!
//! ```sh
//! cargo run --example menu                                  # offline, in a fake Telegram
//! TELEGRAM_BOT_TOKEN=123456:ABC-DEF cargo run --example menu # live: send /settings to your bot
//! ```
//!
//! `/settings` shows the menu. "Notifications: off" turns them on (the setting is kept in the
//! user's data, and the label says so at once); "Language" opens a list of languages, four a
//! page, with ◀ ▶ to page through and "⬅ Back" to return; picking a language returns to the
//! settings too, by what its code returns. The menu answers every press itself.

use telegram_api::Bot;
use telegram_api::ext::menu::{Menu, Notice};
use telegram_api::ext::{Application, BoxError, Context};
use telegram_api::testing::World;

fn main() -> Result<(), telegram_api::ext::RunError> {
    match Bot::from_env() {
        Ok(bot) => {
            println!("Using TELEGRAM_BOT_TOKEN: write to your bot in Telegram, Ctrl-C to stop.");
            menu_bot(bot).run_polling()
        }
        Err(_) => {
            println!("No TELEGRAM_BOT_TOKEN: a short conversation in a fake Telegram, offline.");
            print!("{}", offline());
            Ok(())
        }
    }
}

/// Offline: John opens the settings, turns notifications on, and picks a language on the
/// second page, which takes him back to the settings, in a fake Telegram
/// (`telegram_api::testing`); what happened, one line each.
pub fn offline() -> String {
    let world = World::new();
    world.run(&menu_bot(world.bot()));
    let john = world.user("John Doe");
    john.send("/settings");
    john.press("Notifications: off");
    john.press("Language: English");
    john.press("▶");
    john.press("Italiano");
    world.transcript()
}

/// The languages of the list.
const LANGUAGES: [&str; 7] = [
    "English",
    "Deutsch",
    "Español",
    "Français",
    "Italiano",
    "Nederlands",
    "Português",
];

/// The user's language, English unless they picked one.
fn language(ctx: &Context) -> String {
    let picked: Option<String> = ctx.user_data("language").ok().flatten();
    picked.unwrap_or_else(|| LANGUAGES[0].to_owned())
}

/// Whether the user turned notifications on.
fn notifications(ctx: &Context) -> bool {
    ctx.user_data("notifications")
        .ok()
        .flatten()
        .unwrap_or(false)
}

/// The settings menu and its language list.
fn settings() -> Menu {
    let languages = Menu::new("languages")
        .text(|ctx| format!("Pick a language (now {})", language(ctx)))
        .list(
            4,
            |_| LANGUAGES.map(String::from).to_vec(),
            |ctx: &Context, i| {
                ctx.set_user_data("language", LANGUAGES[i])?;
                println!("language set to {}", LANGUAGES[i]);
                // Picked: back to the settings, which show it.
                Ok::<_, BoxError>(Notice::text(format!("{} it is", LANGUAGES[i])).back())
            },
        )
        .back("⬅ Back");
    Menu::new("settings")
        .text(|_| "Settings".into())
        .button_with(
            |ctx| {
                let on = notifications(ctx);
                format!("Notifications: {}", if on { "on" } else { "off" })
            },
            |ctx| {
                let on = !notifications(ctx);
                ctx.set_user_data("notifications", &on)?;
                println!("notifications turned {}", if on { "on" } else { "off" });
                Ok::<_, BoxError>(())
            },
        )
        .row()
        .submenu_with(|ctx| format!("Language: {}", language(ctx)), languages)
}

/// The bot: the menu registered, and `/settings` to send it.
pub fn menu_bot(bot: Bot) -> Application {
    let menu = settings();
    let shown = menu.clone();
    Application::builder(bot)
        .menu(menu)
        .command("settings", move |ctx: &Context| shown.send(ctx).map(drop))
        .build()
}
