//! Payments in Telegram Stars on `telegram_api::ext`: an invoice, the check before the payment,
//! and the thanks after it.
//!
//! ```sh
//! cargo run --example payments                                  # offline, in a fake Telegram
//! TELEGRAM_BOT_TOKEN=123456:ABC-DEF cargo run --example payments # live: send /buy 3 to your bot
//! ```
//!
//! `/buy 3` sends an invoice for three cups of coffee at 5 Stars each (currency `XTR`, and an
//! empty provider token: Stars need no payment provider). When the user pays, Telegram first
//! asks the bot to confirm (`pre_checkout_query`, to be answered within 10 seconds): the bot
//! accepts an invoice it made, whose amount matches, and refuses anything else. Once the
//! payment went through, a `successful_payment` message arrives in the chat; keep its
//! `telegram_payment_charge_id`, which a refund needs (`refundStarPayment`).

use telegram_api::ext::{Application, Context, Handler, Regex, filters};
use telegram_api::testing::World;
use telegram_api::{Bot, Error, LabeledPrice};

fn main() -> Result<(), telegram_api::ext::RunError> {
    match Bot::from_env() {
        Ok(bot) => {
            println!("Using TELEGRAM_BOT_TOKEN: write to your bot in Telegram, Ctrl-C to stop.");
            shop_bot(bot).run_polling()
        }
        Err(_) => {
            println!("No TELEGRAM_BOT_TOKEN: a short conversation in a fake Telegram, offline.");
            print!("{}", offline());
            Ok(())
        }
    }
}

/// Offline: John buys three cups of coffee in Telegram Stars and pays, in a fake Telegram (`telegram_api::testing`); what happened, one line
/// each.
pub fn offline() -> String {
    let world = World::new();
    world.run(&shop_bot(world.bot()));
    let john = world.user("John Doe");
    john.send("/buy lots");
    john.send("/buy 3");
    let invoice = john.last_message();
    john.pay(&invoice);
    world.transcript()
}

/// The price of a cup, in Stars.
const PRICE: i64 = 5;

/// The bot. An invoice's payload (`coffee-3`) comes back with the pre-checkout query and the
/// payment; the first handler that takes an update runs.
pub fn shop_bot(bot: Bot) -> Application {
    let ours = Regex::new(r"^coffee-(\d+)$").expect("a valid pattern");
    Application::builder(bot)
        .command("buy", buy)
        .handler(Handler::pre_checkout_payload(ours, check))
        .handler(Handler::pre_checkout_query(|ctx: &Context| {
            refuse(ctx, "This invoice is not valid any more.")
        }))
        .message(filters::successful_payment(), paid)
        .build()
}

/// `/buy [cups]`: an invoice in Stars, for 1 to 10 cups.
fn buy(ctx: &Context) -> Result<(), Error> {
    let cups = if ctx.args().is_empty() {
        Ok(1)
    } else {
        ctx.arg::<u32>(0)
    };
    let Ok(cups @ 1..=10) = cups else {
        ctx.reply("Usage: /buy [cups], 1 to 10.").call()?;
        return Ok(());
    };
    ctx.reply_invoice(
        "Coffee",
        format!("{cups} × a cup of virtual coffee, {PRICE} Stars each."),
        format!("coffee-{cups}"),
        "XTR",
        [LabeledPrice::new(
            format!("{cups} × coffee"),
            i64::from(cups) * PRICE,
        )],
    )
    .provider_token("")
    .call()?;
    println!("sent an invoice for {cups} cups");
    Ok(())
}

/// Before the payment: accept when the amount is what the payload's cups cost.
fn check(ctx: &Context) -> Result<(), Error> {
    let cups: i64 = ctx
        .captures()
        .and_then(|c| c.get(1)?.parse().ok())
        .unwrap_or(0);
    let amount = ctx
        .update()
        .and_then(|u| u.pre_checkout_query())
        .map_or(0, |q| q.total_amount);
    if amount != cups * PRICE {
        return refuse(ctx, "The price changed: ask for a new invoice with /buy.");
    }
    ctx.answer_pre_checkout_query(true).call()?;
    println!("accepted a payment of {amount} Stars");
    Ok(())
}

fn refuse(ctx: &Context, why: &str) -> Result<(), Error> {
    ctx.answer_pre_checkout_query(false)
        .error_message(why)
        .call()?;
    println!("refused a payment: {why}");
    Ok(())
}

/// After the payment.
fn paid(ctx: &Context) -> Result<(), Error> {
    let Some(payment) = ctx
        .effective_message()
        .and_then(|m| m.successful_payment.as_ref())
    else {
        return Ok(());
    };
    ctx.reply(format!(
        "Thank you! {} Stars received, your coffee is on its way.",
        payment.total_amount
    ))
    .call()?;
    println!(
        "paid {} (charge {})",
        payment.invoice_payload, payment.telegram_payment_charge_id
    );
    Ok(())
}
