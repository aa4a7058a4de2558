//! Typed callback data of `telegram_api::ext`: in the testing world, buttons made by a handler
//! are pressed and their value reaches the typed handler; packed values, stored values (memory
//! and file stores, across a restart), data that no longer decodes, expiry on the world's clock.
//! On updates in the documented wire format, through `Application::process_update` (answers to
//! a loopback Bot API server, which records them): foreign data, including the empty data no
//! button can carry, a press without `on_expired`, and the sweep of expired records over a
//! thousand updates.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_derive::{Deserialize, Serialize};
use serde_json::Value;
use telegram_api::ext::store::{Scope, Store};
use telegram_api::ext::{
    Application, ApplicationBuilder, CallbackData, CallbackDataError, Context, Handler,
    HandlerError, ManualClock,
};
use telegram_api::testing::{Person, World};
use telegram_api::{Bot, InlineKeyboardButton, InlineKeyboardMarkup};
use telegram_api_tests::http::{Reply, Server};
use telegram_api_tests::temp::temp_store;
use telegram_api_tests::updates;

/// A choice of a list item, small enough to pack.
#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Pick {
    list: String,
    item: u32,
    sort: Option<Sort>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
enum Sort {
    Up,
    Down,
}

impl CallbackData for Pick {
    const PREFIX: &'static str = "pick";
}

/// A cart: too large to pack, kept in the store.
#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Cart {
    items: Vec<String>,
    note: String,
}

impl CallbackData for Cart {
    const PREFIX: &'static str = "cart";
}

fn cart() -> Cart {
    Cart {
        items: (1..=10).map(|i| format!("item number {i}")).collect(),
        note: "leave at the door: ring twice".into(),
    }
}

/// A loopback server that answers what the handlers send.
fn server() -> Server {
    Server::start(|req| match req.api_method() {
        "sendMessage" => Reply::ok(
            r#"{"message_id": 900, "date": 1700000000, "chat": {"id": 7, "type": "private", "first_name": "A"}}"#,
        ),
        "answerCallbackQuery" => Reply::ok("true"),
        m => panic!("unexpected {m}"),
    })
}

/// The callback data of the buttons under the bot's last message to `person`, in order.
fn data_of(person: &Person) -> Vec<String> {
    let message = person.last_message();
    let row = message.json()["reply_markup"]["inline_keyboard"][0].clone();
    let data = |button: &Value| button["callback_data"].as_str().unwrap().to_owned();
    row.as_array().unwrap().iter().map(data).collect()
}

/// `/forged <data>`: a message with a button "Forged" that carries any data.
fn forged(ctx: &Context) -> Result<(), telegram_api::Error> {
    let data = ctx.args().first().cloned().unwrap_or_default();
    let button = InlineKeyboardButton::callback("Forged", data);
    let markup = InlineKeyboardMarkup::from_rows([[button]]);
    ctx.reply("forged").reply_markup(markup).call().map(drop)
}

/// `person` presses a button that carries `data`; the text of the bot's answer, if it answered.
fn press_forged(person: &Person, data: &str) -> Option<String> {
    person.send(&format!("/forged {data}"));
    person.press("Forged").text().map(str::to_owned)
}

/// The texts of the callback answers sent, in order.
fn answers(server: &Server) -> Vec<String> {
    server
        .requests()
        .iter()
        .filter(|r| r.api_method() == "answerCallbackQuery")
        .map(|r| r.json()["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

type Errors = Arc<Mutex<Vec<String>>>;

/// An application whose `/menu` sends a packed `Pick` button and a stored `Cart` button, and
/// whose typed handlers answer with what they got; errors go to `errors`, rendered as
/// `kind: message`.
fn builder(bot: Bot, errors: &Errors) -> ApplicationBuilder {
    let errors = errors.clone();
    Application::builder(bot)
        .command("forged", forged)
        .command("menu", |ctx: &Context| {
            let pick = Pick {
                list: "a:b".into(),
                item: 3,
                sort: Some(Sort::Down),
            };
            let row = vec![pick.button("Pick")?, ctx.stored_button("Cart", &cart())?];
            ctx.reply("menu")
                .reply_markup(InlineKeyboardMarkup::new(vec![row]))
                .call()?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        })
        .command("fail", |ctx: &Context| {
            // Stored, then the handler fails: the value is dropped with its other changes.
            ctx.store_callback_data(&cart())?;
            Err::<(), Box<dyn std::error::Error + Send + Sync>>("failed on purpose".into())
        })
        .handler(Handler::callback(|ctx: &Context, pick: Pick| {
            let text = format!("{} {} {:?}", pick.list, pick.item, pick.sort);
            ctx.answer_callback().text(text).call()?;
            Ok::<_, telegram_api::Error>(())
        }))
        .handler(
            Handler::callback(|ctx: &Context, cart: Cart| {
                ctx.answer_callback()
                    .text(format!("{} items", cart.items.len()))
                    .call()?;
                assert_eq!(cart, self::cart());
                Ok::<_, telegram_api::Error>(())
            })
            .on_expired(|ctx: &Context| {
                ctx.answer_callback().text("expired").call()?;
                Ok::<_, telegram_api::Error>(())
            }),
        )
        .handler(Handler::callback_query(|ctx: &Context| {
            let data = ctx.callback_data().unwrap_or_default().to_string();
            ctx.answer_callback().text(format!("other {data}")).call()?;
            Ok::<_, telegram_api::Error>(())
        }))
        .error_handler(move |_, error: &HandlerError| {
            let rendered = match error {
                HandlerError::Failed(e) => match e.downcast_ref::<CallbackDataError>() {
                    Some(CallbackDataError::Decode { .. }) => format!("decode: {e}"),
                    Some(CallbackDataError::Expired { .. }) => format!("expired: {e}"),
                    _ => format!("failed: {e}"),
                },
                e => format!("other: {e}"),
            };
            errors.lock().unwrap().push(rendered);
        })
}

fn press(app: &Application, update_id: i64, data: &str) {
    app.process_update(
        updates::callback_query(update_id, 7, data)
            .on_message(7, 900)
            .update(),
    );
}

/// The stored callback data records, by name.
fn records(store: &dyn Store) -> Vec<String> {
    store
        .values(&Scope::Bot, "callback_data/")
        .unwrap()
        .into_iter()
        .map(|(name, _)| name)
        .collect()
}

#[test]
fn a_packed_value_comes_back_typed_from_a_button_press() {
    let (world, errors) = (World::new(), Errors::default());
    world.run(&builder(world.bot(), &errors).build());
    let alice = world.user("Alice");
    alice.send("/menu");
    assert_eq!(data_of(&alice)[0], "pick:a%3Ab:3:Down");
    assert_eq!(alice.press("Pick").text(), Some("a:b 3 Some(Down)"));
    assert!(errors.lock().unwrap().is_empty(), "{errors:?}");
}

#[test]
fn foreign_data_is_left_to_other_handlers() {
    let server = server();
    let errors = Errors::default();
    let app = builder(Bot::new("1:T").with_api_url(server.url()), &errors).build();
    for (id, data) in [(1, "vote:1"), (2, "picky:1:2:"), (3, "pic"), (4, "")] {
        press(&app, id, data);
    }
    assert_eq!(
        answers(&server),
        ["other vote:1", "other picky:1:2:", "other pic", "other "]
    );
    assert!(errors.lock().unwrap().is_empty(), "{errors:?}");
}

#[test]
fn data_with_the_prefix_that_does_not_decode_goes_to_the_error_handler() {
    let (world, errors) = (World::new(), Errors::default());
    world.run(&builder(world.bot(), &errors).build());
    let alice = world.user("Alice");
    // Too few fields, a bad number, an unknown variant, a bad escape: normal input, no panic.
    for data in ["pick", "pick:x:y:Up", "pick:x:1:Sideways", "pick:%zz:1:"] {
        assert_eq!(press_forged(&alice, data), None);
    }
    let errors = errors.lock().unwrap().clone();
    assert_eq!(errors.len(), 4, "{errors:?}");
    assert!(
        errors.iter().all(|e| e.starts_with("decode: ")),
        "{errors:?}"
    );
    assert!(errors[1].contains(r#""pick:x:y:Up""#), "{errors:?}");
}

#[test]
fn a_stored_value_comes_back_from_the_memory_store() {
    let (world, errors) = (World::new(), Errors::default());
    let app = builder(world.bot(), &errors).build();
    world.run(&app);
    let alice = world.user("Alice");
    alice.send("/menu");
    let cart_data = data_of(&alice)[1].clone();
    let id = cart_data.strip_prefix("cart#").expect("stored data");
    assert_eq!(id.len(), 11);
    // Committed with the update, under the bot-wide key named by the data.
    assert_eq!(records(app.store()), [format!("callback_data/{id}")]);
    assert_eq!(alice.press("Cart").text(), Some("10 items"));
    assert_eq!(alice.press("Cart").text(), Some("10 items"));
    // A handler that fails drops what it stored.
    alice.send("/fail");
    assert_eq!(records(app.store()).len(), 1);
    assert_eq!(
        errors.lock().unwrap().as_slice(),
        ["failed: failed on purpose"]
    );
}

#[test]
fn a_stored_value_survives_a_restart_on_the_file_store() {
    let path = temp_store("ext-callback-data-restart");
    let (world, errors) = (World::new(), Errors::default());
    world.run(
        &builder(world.bot(), &errors)
            .store_path(&path)
            .unwrap()
            .build(),
    );
    let alice = world.user("Alice");
    alice.send("/menu");
    world.stop().unwrap();
    world.run(
        &builder(world.bot(), &errors)
            .store_path(&path)
            .unwrap()
            .build(),
    );
    assert_eq!(alice.press("Cart").text(), Some("10 items"));
    assert!(errors.lock().unwrap().is_empty(), "{errors:?}");
    world.stop().unwrap();
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn an_expired_or_unknown_value_goes_to_on_expired_and_is_removed() {
    let (world, errors) = (World::new(), Errors::default());
    let app = builder(world.bot(), &errors).clock(world.clock()).build();
    world.run(&app);
    let alice = world.user("Alice");
    alice.send("/menu");
    // Just before the default expiry of 7 days: still there.
    world.advance(Duration::from_secs(7 * 24 * 3600 - 1));
    assert_eq!(alice.press("Cart").text(), Some("10 items"));
    // At it: expired, and the record goes.
    world.advance(Duration::from_secs(1));
    assert_eq!(alice.press("Cart").text(), Some("expired"));
    assert!(records(app.store()).is_empty());
    // Never stored here, or not even an id: the same path.
    for data in ["cart#AAAAAAAAAAA", "cart#!"] {
        assert_eq!(press_forged(&alice, data).as_deref(), Some("expired"));
    }
    assert!(errors.lock().unwrap().is_empty(), "{errors:?}");
}

#[test]
fn without_on_expired_the_error_handler_gets_the_expired_press() {
    let server = server();
    let errors = Errors::default();
    let log = errors.clone();
    let app = Application::builder(Bot::new("1:T").with_api_url(server.url()))
        .handler(Handler::callback(|_: &Context, _: Cart| {
            Ok::<_, telegram_api::Error>(())
        }))
        .error_handler(move |_, error: &HandlerError| {
            let expired = matches!(
                error,
                HandlerError::Failed(e) if matches!(
                    e.downcast_ref::<CallbackDataError>(),
                    Some(CallbackDataError::Expired { .. })
                )
            );
            log.lock().unwrap().push(format!("{expired} {error}"));
        })
        .build();
    press(&app, 1, "cart#AAAAAAAAAAA");
    let errors = errors.lock().unwrap().clone();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].starts_with("true "), "{errors:?}");
    assert!(errors[0].contains("cart#AAAAAAAAAAA"), "{errors:?}");
}

#[test]
fn expired_records_are_swept_as_new_ones_are_stored() {
    let clock = ManualClock::new("2026-12-07T10:00:00Z".parse().unwrap());
    let server = server();
    let app = Application::builder(Bot::new("1:T").with_api_url(server.url()))
        .clock(clock.clock())
        .command("short", |ctx: &Context| {
            for _ in 0..200 {
                ctx.store_callback_data_for(&cart(), Duration::from_secs(60))?;
            }
            Ok::<_, CallbackDataError>(())
        })
        .command("long", |ctx: &Context| {
            ctx.store_callback_data(&cart())?;
            Ok::<_, CallbackDataError>(())
        })
        .error_handler(|_, e| panic!("{e}"))
        .build();
    app.process_update(updates::text(1, 7, "/short").update());
    assert_eq!(records(app.store()).len(), 200);
    // Not expired yet: a write sweeps nothing.
    app.process_update(updates::text(2, 7, "/long").update());
    assert_eq!(records(app.store()).len(), 201);
    clock.advance(Duration::from_secs(60));
    // One update that stores values sweeps once, the records of 1/64 of the ids (about 3 of
    // the 200 expired ones, maybe none), however many values it stores.
    app.process_update(updates::text(3, 7, "/short").update());
    let left = records(app.store()).len();
    assert!(
        (350..=401).contains(&left),
        "one update swept {} records",
        401 - left
    );
    // 1000 updates cover every 64th but with a chance below 1 in 100,000: the 200 expired
    // records go, the 200 + 1 + 1000 live ones stay.
    for id in 4..1004 {
        app.process_update(updates::text(id, 7, "/long").update());
    }
    let records = records(app.store());
    assert_eq!(
        records.len(),
        1201,
        "expired records left: {}",
        records.len() - 1201
    );
}

#[test]
fn a_forgotten_value_no_longer_works_and_any_handler_can_read_one() {
    let (world, errors) = (World::new(), Errors::default());
    let log = errors.clone();
    let app = Application::builder(world.bot())
        .command("forged", forged)
        .command("buy", |ctx: &Context| {
            let button = ctx.stored_button("Buy", &cart())?;
            // Stored callback data is not among the bot's own values.
            ctx.set_bot_data("greeting", "hi")?;
            assert_eq!(ctx.bot_data_names()?, ["greeting"]);
            assert_eq!(ctx.clear_bot_data()?, 1);
            ctx.reply("cart")
                .reply_markup(InlineKeyboardMarkup::new(vec![vec![button]]))
                .call()?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        })
        // A plain callback query handler reads the value itself, then makes the button void.
        .callback_query(|ctx: &Context| {
            let text = match ctx.callback_data_as::<Cart>() {
                Ok(cart) => {
                    ctx.forget_callback_data(ctx.callback_data().unwrap_or_default());
                    format!("bought {}", cart.items.len())
                }
                Err(CallbackDataError::Expired { .. }) => "gone".into(),
                Err(e) => format!("{e}"),
            };
            ctx.answer_callback().text(text).call()?;
            Ok::<_, telegram_api::Error>(())
        })
        .error_handler(move |_, e| log.lock().unwrap().push(e.to_string()))
        .build();
    world.run(&app);
    let alice = world.user("Alice");
    alice.send("/buy");
    assert_eq!(alice.press("Buy").text(), Some("bought 10"));
    assert_eq!(alice.press("Buy").text(), Some("gone"));
    assert_eq!(
        press_forged(&alice, "pick:x:1:").as_deref(),
        Some(r#"callback data "pick:x:1:" is not of the prefix "cart""#)
    );
    assert!(records(app.store()).is_empty());
    assert!(errors.lock().unwrap().is_empty(), "{errors:?}");
}
