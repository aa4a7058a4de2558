//! Typed buttons on `telegram_api::ext`: each button carries a Rust value, and its handler gets
//! the value back, decoded.
//!
//! ```sh
//! cargo run --example callback_data                                  # offline, in a fake Telegram
//! TELEGRAM_BOT_TOKEN=123456:ABC-DEF cargo run --example callback_data # live: send /start to your bot
//! ```
//!
//! `/start` shows a menu of drinks. A press on a drink turns the menu, in place, into a choice
//! of sizes with a Back button; a press on a size places the order. The menu's buttons pack
//! their value into the button itself (`Menu::Drink(Drink::Tea)` travels as `menu:Drink:Tea`).
//! After an order, `/start` adds an "Again" button whose value, the whole order, is kept in the
//! bot's store and named by a short id: the way for values over Telegram's 64 bytes, or that
//! the user's client should not see. A press on such a button after its value is gone (it
//! expired, or the bot restarted on its memory store) is answered as too old.

use serde::{Deserialize, Serialize};
use telegram_api::ext::{Application, BoxError, CallbackData, Context, Handler};
use telegram_api::testing::World;
use telegram_api::{Bot, Error, InlineKeyboardMarkup};

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

/// Offline: John orders a large coffee through the menu, then the same again, in a fake Telegram (`telegram_api::testing`); what happened, one line
/// each.
pub fn offline() -> String {
    let world = World::new();
    world.run(&menu_bot(world.bot()));
    let john = world.user("John Doe");
    john.send("/start");
    john.press("Tea");
    john.press("Back");
    john.press("Coffee");
    john.press("Large");
    john.send("/start");
    // The last button repeats the last order, kept in the store.
    let again = john.last_message().buttons().pop().unwrap_or_default();
    john.press(&again);
    world.transcript()
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug)]
enum Drink {
    Tea,
    Coffee,
    Cocoa,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug)]
enum Size {
    Small,
    Large,
}

/// What a menu button does, packed into the button.
#[derive(Serialize, Deserialize)]
enum Menu {
    Drinks,
    Drink(Drink),
    Order(Drink, Size),
}

impl CallbackData for Menu {
    const PREFIX: &'static str = "menu";
}

/// An order placed, kept in the store behind the "Again" button.
#[derive(Serialize, Deserialize)]
struct Order {
    drink: Drink,
    size: Size,
}

impl CallbackData for Order {
    const PREFIX: &'static str = "order";
}

impl Order {
    /// "a large tea".
    fn describe(&self) -> String {
        format!("a {:?} {:?}", self.size, self.drink).to_lowercase()
    }
}

/// What the menu asks.
const ASK: &str = "What would you like?";

/// The bot: `/start` shows the menu; each type of button has its handler, which gets the
/// pressed value.
pub fn menu_bot(bot: Bot) -> Application {
    Application::builder(bot)
        .command("start", start)
        .handler(Handler::callback(on_menu))
        .handler(Handler::callback(again).on_expired(|ctx: &Context| {
            println!("a button whose value is gone was pressed");
            ctx.answer_callback()
                .text("This button is too old, send /start.")
                .call()
                .map(drop)
        }))
        .build()
}

/// The drinks, two to a row.
fn drinks() -> Result<InlineKeyboardMarkup, BoxError> {
    let buttons = [Drink::Tea, Drink::Coffee, Drink::Cocoa]
        .map(|drink| Menu::Drink(drink).button(format!("{drink:?}")));
    Ok(InlineKeyboardMarkup::grid(
        buttons.into_iter().collect::<Result<Vec<_>, _>>()?,
        2,
    ))
}

/// The menu, with the last order again when there is one.
fn start(ctx: &Context) -> Result<(), BoxError> {
    let mut menu = drinks()?;
    if let Some(last) = ctx.user_data::<Order>("last order")? {
        let again = format!("Again: {}", last.describe());
        menu = menu.row([ctx.stored_button(again, &last)?]);
    }
    ctx.reply(ASK).reply_markup(menu).call()?;
    println!("sent the menu");
    Ok(())
}

/// A press on the menu: the message is edited in place for the next step.
fn on_menu(ctx: &Context, pressed: Menu) -> Result<(), BoxError> {
    ctx.answer_callback().call()?;
    match pressed {
        Menu::Drinks => {
            ctx.edit_text(ASK).reply_markup(drinks()?).call()?;
            println!("back to the drinks");
        }
        Menu::Drink(drink) => {
            let sizes = [Size::Small, Size::Large]
                .map(|size| Menu::Order(drink, size).button(format!("{size:?}")));
            let keyboard = InlineKeyboardMarkup::from_rows([
                sizes.into_iter().collect::<Result<Vec<_>, _>>()?,
                vec![Menu::Drinks.button("Back")?],
            ]);
            ctx.edit_text(format!("{drink:?}: which size?"))
                .reply_markup(keyboard)
                .call()?;
            println!("the sizes of {drink:?}");
        }
        Menu::Order(drink, size) => {
            let order = Order { drink, size };
            ctx.edit_text(format!("Ordered {}.", order.describe()))
                .call()?;
            ctx.set_user_data("last order", &order)?;
            println!("ordered {}", order.describe());
        }
    }
    Ok(())
}

/// A press on "Again": the order comes from the store.
fn again(ctx: &Context, order: Order) -> Result<(), Error> {
    ctx.answer_callback().call()?;
    ctx.edit_text(format!("Ordered {} again.", order.describe()))
        .call()?;
    println!("ordered {} again", order.describe());
    Ok(())
}
