//! `telegram_api::ext::menu`: inline menus with their buttons' code, dynamic labels, submenus
//! and back, paged lists, stale and forged buttons, every press answered once, and a restart
//! with a file store; all in `telegram_api::testing`'s world.

use std::sync::{Arc, Mutex};

use serde_json::Value;
use telegram_api::ext::menu::{Menu, Notice, StaleNotices};
use telegram_api::ext::{Application, ApplicationBuilder, BoxError, Context};
use telegram_api::testing::{Person, Refusal, World};
use telegram_api::{InlineKeyboardButton, InlineKeyboardMarkup, InputFile};
use telegram_api_tests::temp::temp_store;

const FRUITS: [&str; 7] = [
    "Apple",
    "Banana",
    "Cherry",
    "Date",
    "Elderberry",
    "Fig",
    "Grape",
];

/// The errors the application reported, as text.
type Errors = Arc<Mutex<Vec<String>>>;

fn notifications(ctx: &Context) -> Result<bool, BoxError> {
    Ok(ctx.user_data("notifications")?.unwrap_or(false))
}

/// The fruits list: three a page, picking one stores it.
fn fruits() -> Menu {
    Menu::new("fruits")
        .text(|_| "Fruits".into())
        .list(
            3,
            |_| FRUITS.map(String::from).to_vec(),
            |ctx: &Context, i| {
                ctx.set_user_data("fruit", FRUITS[i])?;
                Ok::<_, BoxError>(format!("{} picked", FRUITS[i]))
            },
        )
        .back("⬅ Back")
}

/// The settings menu: a toggle with a computed label, a submenu, a failing button.
fn settings() -> Menu {
    Menu::new("settings")
        .text(|_| "Settings".into())
        .button_with(
            |ctx| {
                let on = notifications(ctx).unwrap_or(false);
                format!("Notifications: {}", if on { "on" } else { "off" })
            },
            |ctx| {
                let on = notifications(ctx)?;
                ctx.set_user_data("notifications", &!on)?;
                Ok::<_, BoxError>(())
            },
        )
        .row()
        .submenu("Fruits", fruits())
        .button("Fail", |_| Err::<(), _>("boom"))
        .row()
        .button("Alert", |_| Ok::<_, BoxError>(Notice::alert("Careful!")))
        .button("Panic", |_| -> Result<(), BoxError> { panic!("no way") })
}

/// An application showing `menu` on `/settings`, with `/forged <data>`, which sends a button
/// carrying any data; errors go to `errors`.
fn builder(world: &World, menu: Menu, errors: &Errors) -> ApplicationBuilder {
    let errors = errors.clone();
    let shown = menu.clone();
    let photo_menu = menu.clone();
    Application::builder(world.bot())
        .clock(world.clock())
        .error_handler(move |_, e| errors.lock().unwrap().push(e.to_string()))
        .menu(menu)
        .command("settings", move |ctx: &Context| shown.send(ctx).map(drop))
        .command("photo", move |ctx: &Context| {
            let markup = photo_menu.markup(ctx);
            ctx.reply_photo(InputFile::bytes("cat.jpg", b"jpeg".to_vec()))
                .reply_markup(markup)
                .call()?;
            Ok::<_, BoxError>(())
        })
        .command("forged", |ctx: &Context| {
            let data = ctx.args().first().cloned().unwrap_or_default();
            let markup =
                InlineKeyboardMarkup::from_rows([[InlineKeyboardButton::callback("Forged", data)]]);
            ctx.reply("Forged").reply_markup(markup).call()?;
            Ok::<_, BoxError>(())
        })
}

fn app(world: &World, errors: &Errors) -> Application {
    builder(world, settings(), errors).build()
}

/// The callback data of every button under `message`'s JSON.
fn data_of(markup: &Value) -> Vec<String> {
    markup["inline_keyboard"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(|b| b["callback_data"].as_str().map(String::from))
        .collect()
}

/// The callback data of the button labelled `label` under the last message of the bot.
fn data_of_button(person: &Person, label: &str) -> String {
    let message = person.last_message();
    message.json()["reply_markup"]["inline_keyboard"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_array)
        .flatten()
        .find(|b| b["text"] == label)
        .and_then(|b| b["callback_data"].as_str())
        .unwrap_or_else(|| panic!("no button {label:?}"))
        .to_owned()
}

fn presses_and_answers(world: &World) -> usize {
    world
        .calls()
        .iter()
        .filter(|c| *c == "answerCallbackQuery")
        .count()
}

#[test]
fn a_button_runs_its_code_and_the_menu_is_redrawn_in_place_with_its_new_label() {
    let world = World::new();
    let errors = Errors::default();
    world.run(&app(&world, &errors));
    let alice = world.user("Alice");
    alice.send("/settings");
    let menu = alice.last_message();
    assert_eq!(menu.text(), "Settings");
    assert_eq!(
        menu.keyboard(),
        [
            vec!["Notifications: off"],
            vec!["Fruits", "Fail"],
            vec!["Alert", "Panic"]
        ]
    );
    world.clear_requests();

    let answer = alice.press("Notifications: off");
    assert!(answer.is_answered());
    assert_eq!(answer.text(), None);
    let redrawn = alice.last_message();
    assert_eq!(redrawn.id(), menu.id());
    assert_eq!(redrawn.buttons()[0], "Notifications: on");
    // Only the buttons changed: no new message, no text edit.
    assert_eq!(
        world.calls(),
        ["answerCallbackQuery", "editMessageReplyMarkup"]
    );
    let edit = &world.params_of("editMessageReplyMarkup")[0];
    assert_eq!(edit["message_id"], menu.id());

    alice.press("Notifications: on");
    assert_eq!(alice.last_message().buttons()[0], "Notifications: off");

    // Another user has their own setting.
    let bob = world.user("Bob");
    bob.send("/settings");
    alice.press("Notifications: off");
    assert_eq!(alice.last_message().buttons()[0], "Notifications: on");
    assert_eq!(bob.last_message().buttons()[0], "Notifications: off");

    // A notice returned by the code is the answer's; an alert is shown as one.
    let answer = alice.press("Alert");
    assert_eq!(answer.text(), Some("Careful!"));
    assert!(answer.show_alert());
    assert!(errors.lock().unwrap().is_empty(), "{:?}", errors.lock());
}

#[test]
fn a_failing_button_is_answered_and_its_error_reported_without_a_redraw() {
    let world = World::new();
    let errors = Errors::default();
    world.run(&app(&world, &errors));
    let alice = world.user("Alice");
    alice.send("/settings");
    world.clear_requests();
    let answer = alice.press("Fail");
    assert!(answer.is_answered());
    assert_eq!(answer.text(), None);
    assert_eq!(world.calls(), ["answerCallbackQuery"]);
    assert_eq!(*errors.lock().unwrap(), ["handler failed: boom"]);
}

#[test]
fn a_panicking_button_is_answered_and_its_panic_reported() {
    let world = World::new();
    let errors = Errors::default();
    world.run(&app(&world, &errors));
    let alice = world.user("Alice");
    alice.send("/settings");
    world.clear_requests();
    let answer = alice.press("Panic");
    assert!(answer.is_answered());
    assert_eq!(world.calls(), ["answerCallbackQuery"]);
    assert_eq!(*errors.lock().unwrap(), ["handler panicked: no way"]);
    // The menu goes on working.
    alice.press("Notifications: off");
    assert_eq!(alice.last_message().buttons()[0], "Notifications: on");
}

#[test]
fn a_submenu_opens_in_the_same_message_and_back_returns() {
    let world = World::new();
    let errors = Errors::default();
    world.run(&app(&world, &errors));
    let alice = world.user("Alice");
    alice.send("/settings");
    let menu = alice.last_message();
    world.clear_requests();

    assert!(alice.press("Fruits").is_answered());
    let fruits = alice.last_message();
    assert_eq!(fruits.id(), menu.id());
    assert_eq!(fruits.text(), "Fruits");
    assert_eq!(
        fruits.keyboard(),
        [
            vec!["Apple"],
            vec!["Banana"],
            vec!["Cherry"],
            vec!["1/3", "▶"],
            vec!["⬅ Back"]
        ]
    );
    assert_eq!(world.calls(), ["answerCallbackQuery", "editMessageText"]);

    assert!(alice.press("⬅ Back").is_answered());
    let back = alice.last_message();
    assert_eq!(back.id(), menu.id());
    assert_eq!(back.text(), "Settings");
    assert_eq!(back.buttons(), menu.buttons());
    assert_eq!(alice.messages().len(), 2, "/settings and the one menu");
    assert!(errors.lock().unwrap().is_empty(), "{:?}", errors.lock());
}

#[test]
fn a_list_pages_within_its_bounds_and_an_item_is_selected() {
    let world = World::new();
    let errors = Errors::default();
    world.run(&app(&world, &errors));
    let alice = world.user("Alice");
    alice.send("/settings");
    alice.press("Fruits");

    // The first page has no ◀.
    assert!(!alice.last_message().buttons().contains(&"◀".to_owned()));
    alice.press("▶");
    assert_eq!(
        alice.last_message().keyboard(),
        [
            vec!["Date"],
            vec!["Elderberry"],
            vec!["Fig"],
            vec!["◀", "2/3", "▶"],
            vec!["⬅ Back"]
        ]
    );
    alice.press("▶");
    // The last page: one item, no ▶.
    assert_eq!(
        alice.last_message().keyboard(),
        [vec!["Grape"], vec!["◀", "3/3"], vec!["⬅ Back"]]
    );
    // The counter does nothing but is answered.
    world.clear_requests();
    assert!(alice.press("3/3").is_answered());
    assert_eq!(world.calls(), ["answerCallbackQuery"]);

    alice.press("◀");
    assert_eq!(alice.last_message().buttons()[0], "Date");

    // Picking an item runs the code with its index; the list stays on its page.
    world.clear_requests();
    let answer = alice.press("Elderberry");
    assert_eq!(answer.text(), Some("Elderberry picked"));
    assert_eq!(world.calls(), ["answerCallbackQuery"], "nothing to redraw");
    assert_eq!(alice.last_message().buttons()[0], "Date");
    assert!(errors.lock().unwrap().is_empty(), "{:?}", errors.lock());
}

#[test]
fn buttons_of_a_changed_or_removed_menu_are_answered_with_a_notice() {
    let world = World::new();
    let errors = Errors::default();
    let v1 = app(&world, &errors);
    world.run(&v1);
    let alice = world.user("Alice");
    alice.send("/settings");
    let old_settings = alice.last_message();
    alice.send("/settings");
    alice.press("Fruits");
    let old_fruits = alice.last_message();
    world.stop().unwrap();
    drop(v1);

    // The next version: a button more at the top of the settings, and no fruits any more.
    let v2 = builder(
        &world,
        Menu::new("settings")
            .text(|_| "Settings".into())
            .button("Help", |_| Ok::<_, BoxError>("Read the docs"))
            .row()
            .button("Fail", |_| Err::<(), _>("boom")),
        &errors,
    )
    .build();
    world.run(&v2);
    world.clear_requests();

    // "Fruits" was the second entry; in the new layout that is "Fail": it must not run.
    let answer = alice.press_on(&old_settings, "Fruits");
    assert_eq!(
        answer.text(),
        Some("This menu has changed; here it is again.")
    );
    let redrawn = alice
        .messages()
        .into_iter()
        .find(|m| m.id() == old_settings.id())
        .unwrap();
    assert_eq!(redrawn.keyboard(), [vec!["Help"], vec!["Fail"]]);
    assert_eq!(
        world.calls(),
        ["answerCallbackQuery", "editMessageReplyMarkup"]
    );

    world.clear_requests();
    let answer = alice.press_on(&old_fruits, "Banana");
    assert_eq!(answer.text(), Some("This menu is no longer available."));
    assert_eq!(world.calls(), ["answerCallbackQuery"]);
    assert!(errors.lock().unwrap().is_empty(), "{:?}", errors.lock());
}

#[test]
fn forged_data_is_answered_with_a_notice_and_panics_nothing() {
    let world = World::new();
    let errors = Errors::default();
    world.run(&app(&world, &errors));
    let alice = world.user("Alice");
    alice.send("/settings");
    alice.press("Fruits");
    // A real button of the fruits list: its layout is right, the rest is forged.
    let real = data_of_button(&alice, "Banana");
    let layout: Vec<&str> = real.split(':').collect();
    let (id, print) = (layout[1], layout[2]);
    let cases = [
        ("m:", "This button is not valid."),
        ("m:settings", "This button is not valid."),
        ("m:settings:abcd:0:zz", "This button is not valid."),
        ("m:settings:abcd:-1:b0", "This button is not valid."),
        ("m:nothing:abcd:0:b0", "This menu is no longer available."),
        (
            &format!("m:{id}:{print}:0:b99"),
            "This menu has changed; here it is again.",
        ),
        (
            &format!("m:{id}:{print}:0:i99.AAAA"),
            "This item is no longer there; here is the list again.",
        ),
        (
            &format!("m:{id}:{print}:0:i1.AAAA"),
            "This item is no longer there; here is the list again.",
        ),
        (
            "m:settings:abcd:0:b0",
            "This menu has changed; here it is again.",
        ),
    ];
    for (data, notice) in cases {
        alice.send(&format!("/forged {data}"));
        let answer = alice.press("Forged");
        assert_eq!(answer.text(), Some(notice), "{data}");
    }
    // A page far past the end shows the last page.
    alice.send(&format!("/forged m:{id}:{print}:0:p99"));
    alice.press("Forged");
    assert_eq!(alice.last_message().buttons()[0], "Grape");
    assert!(errors.lock().unwrap().is_empty(), "{:?}", errors.lock());
}

#[test]
fn every_press_is_answered_exactly_once() {
    let world = World::new();
    let errors = Errors::default();
    world.run(&app(&world, &errors));
    let alice = world.user("Alice");
    alice.send("/settings");
    let labels = [
        "Notifications: off",
        "Notifications: on",
        "Fruits",
        "▶",
        "2/3",
        "Date",
        "▶",
        "◀",
        "◀",
        "⬅ Back",
        "Fail",
        "Alert",
        "Panic",
        "Notifications: off",
    ];
    for label in labels {
        assert!(alice.press(label).is_answered(), "{label}");
    }
    assert_eq!(presses_and_answers(&world), labels.len());
    // Telegram refuses a second answer: none was refused.
    assert!(world.requests().iter().all(|r| r.refusal().is_none()));
    assert_eq!(
        *errors.lock().unwrap(),
        ["handler failed: boom", "handler panicked: no way"]
    );
}

#[test]
fn a_back_button_of_a_menu_without_parent_says_so() {
    let world = World::new();
    let errors = Errors::default();
    let root = Menu::new("root").text(|_| "Root".into()).back("Back");
    world.run(&builder(&world, root, &errors).build());
    let alice = world.user("Alice");
    alice.send("/settings");
    world.clear_requests();
    let answer = alice.press("Back");
    assert_eq!(answer.text(), Some("There is no menu to go back to."));
    assert_eq!(world.calls(), ["answerCallbackQuery"]);
}

#[test]
fn a_close_button_leaves_the_message_without_buttons() {
    let world = World::new();
    let errors = Errors::default();
    let help = Menu::new("help")
        .text(|_| "Help".into())
        .button("Tip", |_| Ok::<_, BoxError>("Press Close when done"))
        .close("✖ Close");
    world.run(&builder(&world, help, &errors).build());
    let alice = world.user("Alice");
    alice.send("/settings");
    let menu = alice.last_message();
    assert_eq!(menu.buttons(), ["Tip", "✖ Close"]);
    world.clear_requests();
    assert!(alice.press("✖ Close").is_answered());
    let closed = alice.last_message();
    assert_eq!(closed.id(), menu.id());
    assert_eq!(closed.text(), "Help");
    assert!(closed.buttons().is_empty());
    assert_eq!(
        world.calls(),
        ["answerCallbackQuery", "editMessageReplyMarkup"]
    );
    assert!(errors.lock().unwrap().is_empty(), "{:?}", errors.lock());
}

#[test]
fn callback_data_stays_within_64_bytes_for_long_ids_and_long_lists() {
    let world = World::new();
    let errors = Errors::default();
    let id = "a-menu-id-of-24-bytes-xy";
    assert_eq!(id.len(), 24);
    let long = Menu::new(id)
        .text(|_| "Long".into())
        .list(
            1,
            |_| (0..200_000).map(|n| format!("Item {n}")).collect(),
            |_, i| Ok::<_, BoxError>(format!("item {i}")),
        )
        .back("Back");
    world.run(&builder(&world, long, &errors).build());
    let alice = world.user("Alice");
    alice.send("/settings");
    let first = data_of_button(&alice, "▶");
    let layout = first.split(':').nth(2).unwrap().to_owned();
    // The last page, by a button whose page number is as long as it gets.
    alice.send(&format!("/forged m:{id}:{layout}:199998:p199999"));
    alice.press("Forged");
    assert_eq!(alice.last_message().buttons()[0], "Item 199999");
    assert_eq!(alice.last_message().buttons()[1], "◀");
    let answer = alice.press("Item 199999");
    assert_eq!(answer.text(), Some("item 199999"));
    let mut all = Vec::new();
    for method in ["sendMessage", "editMessageText", "editMessageReplyMarkup"] {
        for params in world.params_of(method) {
            all.extend(data_of(&params["reply_markup"]));
        }
    }
    let longest = all.iter().map(String::len).max().unwrap();
    assert!(longest <= 64, "{longest} bytes");
    assert!(all.iter().any(|d| d.contains("i199999.")), "{all:?}");
    assert!(errors.lock().unwrap().is_empty(), "{:?}", errors.lock());
}

#[test]
fn the_menu_and_its_state_survive_a_restart_with_a_file_store() {
    let path = temp_store("ext-menu-restart");
    let world = World::new();
    let errors = Errors::default();
    let first = builder(&world, settings(), &errors)
        .store_path(&path)
        .unwrap()
        .build();
    world.run(&first);
    let alice = world.user("Alice");
    alice.send("/settings");
    alice.press("Notifications: off");
    alice.press("Fruits");
    alice.press("▶");
    assert_eq!(alice.last_message().buttons()[0], "Date");
    world.stop().unwrap();
    drop(first);

    let second = builder(&world, settings(), &errors)
        .store_path(&path)
        .unwrap()
        .build();
    world.run(&second);
    // The list goes on from the page the message shows.
    alice.press("▶");
    assert_eq!(
        alice.last_message().keyboard(),
        [vec!["Grape"], vec!["◀", "3/3"], vec!["⬅ Back"]]
    );
    // The setting was kept in the store.
    alice.press("⬅ Back");
    assert_eq!(alice.last_message().buttons()[0], "Notifications: on");
    alice.press("Notifications: on");
    assert_eq!(alice.last_message().buttons()[0], "Notifications: off");
    world.stop().unwrap();
    drop(second);
    assert!(errors.lock().unwrap().is_empty(), "{:?}", errors.lock());
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[test]
fn a_menu_under_a_photo_changes_only_its_buttons() {
    let world = World::new();
    let errors = Errors::default();
    world.run(&app(&world, &errors));
    let alice = world.user("Alice");
    alice.send("/photo");
    let photo = alice.last_message();
    assert_eq!(photo.buttons()[0], "Notifications: off");
    world.clear_requests();
    alice.press("Notifications: off");
    alice.press("Fruits");
    let shown = alice.last_message();
    assert_eq!(shown.id(), photo.id());
    assert_eq!(shown.buttons()[0], "Apple");
    assert_eq!(
        world.calls(),
        [
            "answerCallbackQuery",
            "editMessageReplyMarkup",
            "answerCallbackQuery",
            "editMessageReplyMarkup"
        ]
    );
    assert!(errors.lock().unwrap().is_empty(), "{:?}", errors.lock());
}

#[test]
fn stale_notices_in_the_bots_language_and_a_submenu_with_a_computed_label() {
    let world = World::new();
    let errors = Errors::default();
    let french = StaleNotices {
        gone: "Ce menu n'existe plus.".into(),
        item_gone: "Cet élément n'est plus là.".into(),
        ..StaleNotices::default()
    };
    let list = Menu::new("liste").text(|_| "Liste".into()).list(
        2,
        |_| vec!["un".into(), "deux".into()],
        |_, _| Ok::<_, BoxError>(()),
    );
    let root = Menu::new("racine")
        .text(|_| "Racine".into())
        .stale_notices(french)
        .submenu_with(
            |ctx| format!("Liste de {}", ctx.effective_user().unwrap().first_name),
            list,
        );
    world.run(&builder(&world, root, &errors).build());
    let alice = world.user("Alice");
    alice.send("/settings");
    assert_eq!(alice.last_message().buttons(), ["Liste de Alice"]);
    alice.press("Liste de Alice");
    assert_eq!(alice.last_message().buttons(), ["un", "deux"]);
    let item = data_of_button(&alice, "deux");
    let layout = item.split(':').nth(2).unwrap().to_owned();
    // The submenu took its parent's notices.
    alice.send(&format!("/forged m:liste:{layout}:0:i1.AAAA"));
    assert_eq!(
        alice.press("Forged").text(),
        Some("Cet élément n'est plus là.")
    );
    // A menu the bot does not have: the first registered menu's notices.
    alice.send("/forged m:autre:abcd:0:b0");
    assert_eq!(alice.press("Forged").text(), Some("Ce menu n'existe plus."));
    assert!(errors.lock().unwrap().is_empty(), "{:?}", errors.lock());
}

#[allow(dead_code)]
#[path = "../../telegram-api/examples/menu.rs"]
mod example;

#[test]
fn the_example_walks_its_menu_offline() {
    let transcript = example::offline();
    let expected = [
        "John → bot: /settings",
        "bot → John: Settings  [Notifications: off] [Language: English]",
        "John pressed [Notifications: off]",
        "bot answered the press",
        "bot edited message 2 in John: Settings  [Notifications: on] [Language: English]",
        "John pressed [Language: English]",
        "bot answered the press",
        "bot edited message 2 in John: Pick a language (now English)  [English] [Deutsch] \
         [Español] [Français] [1/2] [▶] [⬅ Back]",
        "John pressed [▶]",
        "bot answered the press",
        "bot edited message 2 in John: Pick a language (now English)  [Italiano] [Nederlands] \
         [Português] [◀] [2/2] [⬅ Back]",
        "John pressed [Italiano]",
        "bot answered the press: \"Italiano it is\"",
        "bot edited message 2 in John: Settings  [Notifications: on] [Language: Italiano]",
    ];
    assert_eq!(transcript.lines().collect::<Vec<_>>(), expected);
}

/// A shop whose buttons' code moves the menu: "Pay" opens a submenu no button opens,
/// "Last page" shows the list's last page, "Nowhere" names no menu, "Done" closes it; in the
/// submenu, "Again" goes back from its code, "⬅ Back" as a declared button.
fn shop() -> Menu {
    let done = Menu::new("done")
        .text(|_| "Order placed".into())
        .button("Again", |_| Ok::<_, BoxError>(Notice::default().back()))
        .row()
        .back("⬅ Back");
    Menu::new("shop")
        .text(|_| "Shop".into())
        .button("Pay", |ctx| {
            ctx.set_user_data("paid", &true)?;
            Ok::<_, BoxError>(Notice::text("Paid").open("done"))
        })
        .button("Last page", |_| {
            Ok::<_, BoxError>(Notice::default().page(99))
        })
        .button("Nowhere", |_| {
            Ok::<_, BoxError>(Notice::default().open("nowhere"))
        })
        .list(
            3,
            |_| FRUITS.map(String::from).to_vec(),
            // Picking a fruit goes back to the first page.
            |_, i| Ok::<_, BoxError>(Notice::text(FRUITS[i]).page(0)),
        )
        .button("Done", |_| Ok::<_, BoxError>(Notice::text("Bye").close()))
        .hidden_submenu(done)
}

#[test]
fn a_buttons_code_opens_a_menu_goes_back_shows_a_page_and_closes() {
    let world = World::new();
    let errors = Errors::default();
    world.run(&builder(&world, shop(), &errors).build());
    let alice = world.user("Alice");
    alice.send("/settings");
    let menu = alice.last_message();
    // The hidden submenu takes no place.
    assert_eq!(
        menu.keyboard(),
        [
            vec!["Pay", "Last page", "Nowhere"],
            vec!["Apple"],
            vec!["Banana"],
            vec!["Cherry"],
            vec!["1/3", "▶"],
            vec!["Done"]
        ]
    );

    // A page from code, clamped to the last one.
    alice.press("Last page");
    let last = alice.last_message();
    assert_eq!(last.id(), menu.id());
    assert_eq!(last.keyboard()[1..3], [vec!["Grape"], vec!["◀", "3/3"]]);
    // A list item's code goes back to the first page.
    let answer = alice.press("Grape");
    assert_eq!(answer.text(), Some("Grape"));
    assert_eq!(alice.last_message().keyboard()[1], ["Apple"]);

    // A menu opened from code, in the same message, after the code's change.
    world.clear_requests();
    let answer = alice.press("Pay");
    assert_eq!(answer.text(), Some("Paid"));
    let done = alice.last_message();
    assert_eq!(done.id(), menu.id());
    assert_eq!(done.text(), "Order placed");
    assert_eq!(done.keyboard(), [vec!["Again"], vec!["⬅ Back"]]);
    assert_eq!(world.calls(), ["answerCallbackQuery", "editMessageText"]);

    // Back from code, and back by the declared button of the menu opened from code.
    alice.press("Again");
    assert_eq!(alice.last_message().text(), "Shop");
    alice.press("Pay");
    assert!(alice.press("⬅ Back").is_answered());
    let back = alice.last_message();
    assert_eq!(back.text(), "Shop");
    assert_eq!(back.keyboard(), menu.keyboard());

    // A menu no one registered: the press is answered and the menu stays where it is.
    world.clear_requests();
    assert!(alice.press("Nowhere").is_answered());
    assert_eq!(alice.last_message().text(), "Shop");
    assert_eq!(world.calls(), ["answerCallbackQuery"], "nothing to redraw");

    // Closed from code: the message stays without buttons.
    let answer = alice.press("Done");
    assert_eq!(answer.text(), Some("Bye"));
    let closed = alice.last_message();
    assert_eq!(closed.id(), menu.id());
    assert_eq!(closed.text(), "Shop");
    assert!(closed.buttons().is_empty());
    assert_eq!(alice.messages().len(), 2, "/settings and the one menu");
    assert!(errors.lock().unwrap().is_empty(), "{:?}", errors.lock());
}

#[test]
fn a_button_that_goes_back_in_a_menu_without_parent_draws_it_again() {
    let world = World::new();
    let errors = Errors::default();
    let root = Menu::new("root")
        .text(|_| "Root".into())
        .button("Up", |ctx| {
            ctx.set_user_data("pressed", &true)?;
            Ok::<_, BoxError>(Notice::text("Nowhere to go").back())
        });
    world.run(&builder(&world, root, &errors).build());
    let alice = world.user("Alice");
    alice.send("/settings");
    let menu = alice.last_message();
    let answer = alice.press("Up");
    assert_eq!(answer.text(), Some("Nowhere to go"));
    assert_eq!(alice.last_message().keyboard(), menu.keyboard());
    assert!(errors.lock().unwrap().is_empty(), "{:?}", errors.lock());
}

#[test]
fn the_pager_labels_are_the_menus_own_and_older_messages_keep_paging() {
    let world = World::new();
    let errors = Errors::default();
    let v1 = builder(&world, fruits(), &errors).build();
    world.run(&v1);
    let alice = world.user("Alice");
    alice.send("/settings");
    let old = alice.last_message();
    assert_eq!(old.keyboard()[3], ["1/3", "▶"]);
    world.stop().unwrap();
    drop(v1);

    // The next version names its paging buttons; the page buttons of the message sent by the
    // first one still work, and the list is drawn with the new labels.
    let v2 = builder(&world, fruits().pager("‹ Prev", "Next ›"), &errors).build();
    world.run(&v2);
    assert!(alice.press_on(&old, "▶").is_answered());
    let paged = alice.last_message();
    assert_eq!(paged.id(), old.id());
    assert_eq!(paged.keyboard()[0], ["Date"]);
    assert_eq!(paged.keyboard()[3], ["‹ Prev", "2/3", "Next ›"]);
    alice.press("Next ›");
    assert_eq!(
        alice.last_message().keyboard(),
        [vec!["Grape"], vec!["‹ Prev", "3/3"], vec!["⬅ Back"]]
    );
    alice.press("‹ Prev");
    assert_eq!(alice.last_message().keyboard()[0], ["Date"]);
    assert!(errors.lock().unwrap().is_empty(), "{:?}", errors.lock());
}

#[test]
fn a_press_whose_answer_is_refused_keeps_its_change_and_is_redrawn() {
    let world = World::new();
    let errors = Errors::default();
    world.run(&app(&world, &errors));
    let alice = world.user("Alice");
    alice.send("/settings");
    // Telegram takes one answer a press, and none for an old one: a press handled again after
    // a restart is refused its answer.
    world.fail_next(
        "answerCallbackQuery",
        Refusal::bad_request(
            "query is too old and response timeout expired or query ID is invalid",
        ),
    );
    world.clear_requests();
    alice.press("Notifications: off");
    assert_eq!(
        world.calls(),
        ["answerCallbackQuery", "editMessageReplyMarkup"]
    );
    assert_eq!(alice.last_message().buttons()[0], "Notifications: on");
    assert!(errors.lock().unwrap().is_empty(), "{:?}", errors.lock());
    // The change was kept.
    alice.press("Notifications: on");
    assert_eq!(alice.last_message().buttons()[0], "Notifications: off");
}

const COLORS: [&str; 5] = ["Red", "Green", "Blue", "Cyan", "Magenta"];

/// Two lists in one menu, each paged on its own: fruits two a page, colors three a page, and a
/// button that shows the colors' second page.
fn two_lists() -> Menu {
    Menu::new("pick")
        .text(|_| "Pick".into())
        .list(
            2,
            |_| FRUITS.map(String::from).to_vec(),
            |ctx: &Context, i| {
                ctx.set_user_data("fruit", FRUITS[i])?;
                Ok::<_, BoxError>(FRUITS[i])
            },
        )
        .list(
            3,
            |_| COLORS.map(String::from).to_vec(),
            |ctx: &Context, i| {
                ctx.set_user_data("color", COLORS[i])?;
                Ok::<_, BoxError>(COLORS[i])
            },
        )
        .button("More colors", |_| {
            Ok::<_, BoxError>(Notice::default().list_page(1, 1))
        })
}

#[test]
fn two_lists_in_one_menu_page_and_select_each_on_its_own() {
    let world = World::new();
    let errors = Errors::default();
    world.run(&builder(&world, two_lists(), &errors).build());
    let alice = world.user("Alice");
    alice.send("/settings");
    assert_eq!(
        alice.last_message().keyboard(),
        [
            vec!["Apple"],
            vec!["Banana"],
            vec!["1/4", "▶"],
            vec!["Red"],
            vec!["Green"],
            vec!["Blue"],
            vec!["1/2", "▶"],
            vec!["More colors"]
        ]
    );
    // The first ▶ is the fruits': only they move.
    alice.press("▶");
    let keyboard = alice.last_message().keyboard();
    assert_eq!(
        keyboard[..3],
        [vec!["Cherry"], vec!["Date"], vec!["◀", "2/4", "▶"]]
    );
    assert_eq!(
        keyboard[3..7],
        [vec!["Red"], vec!["Green"], vec!["Blue"], vec!["1/2", "▶"]]
    );
    // A color is selected from its own list; the fruits stay on their page.
    assert_eq!(alice.press("Blue").text(), Some("Blue"));
    assert_eq!(alice.last_message().keyboard()[0], ["Cherry"]);
    // The colors' second page, from code; the fruits stay on theirs.
    alice.press("More colors");
    let keyboard = alice.last_message().keyboard();
    assert_eq!(keyboard[0], ["Cherry"]);
    assert_eq!(
        keyboard[3..6],
        [vec!["Cyan"], vec!["Magenta"], vec!["◀", "2/2"]]
    );
    assert_eq!(alice.press("Magenta").text(), Some("Magenta"));
    assert_eq!(alice.press("Date").text(), Some("Date"));
    // Back to the fruits' first page: the colors keep theirs.
    alice.press("◀");
    let keyboard = alice.last_message().keyboard();
    assert_eq!(
        keyboard[..3],
        [vec!["Apple"], vec!["Banana"], vec!["1/4", "▶"]]
    );
    assert_eq!(keyboard[3], ["Cyan"]);
    // The only ◀ left is the colors'.
    alice.press("◀");
    assert_eq!(alice.last_message().keyboard()[3], ["Red"]);
    for data in data_of(&alice.last_message().json()["reply_markup"]) {
        assert!(data.len() <= 64, "{data}");
    }
    assert!(errors.lock().unwrap().is_empty(), "{:?}", errors.lock());
}

#[test]
fn forged_pages_and_items_of_lists_a_menu_does_not_have_panic_nothing() {
    let world = World::new();
    let errors = Errors::default();
    world.run(&builder(&world, two_lists(), &errors).build());
    let alice = world.user("Alice");
    alice.send("/settings");
    // A real button: its menu and layout are right, the rest is forged.
    let real = data_of_button(&alice, "Red");
    let parts: Vec<&str> = real.split(':').collect();
    let (id, layout) = (parts[1], parts[2]);
    let changed = "This menu has changed; here it is again.";
    let item_gone = "This item is no longer there; here is the list again.";
    for (data, notice) in [
        (format!("m:{id}:{layout}:0.0:i0.AAAA.2"), Some(changed)),
        (
            format!("m:{id}:{layout}:0.0:i0.AAAA.99999999999"),
            Some(changed),
        ),
        (format!("m:{id}:{layout}:0.0:i0.AAAA.1"), Some(item_gone)),
        (
            format!("m:{id}:{layout}:0.0:p1.x"),
            Some("This button is not valid."),
        ),
        (format!("m:{id}:{layout}:0.0:p99999999999.1"), None),
        // No list 999999999: the pages as they were, past the end of both lists.
        (format!("m:{id}:{layout}:9.9.9.9.9:p1.999999999"), None),
    ] {
        alice.send(&format!("/forged {data}"));
        let answer = alice.press("Forged");
        assert!(answer.is_answered(), "{data}");
        assert_eq!(answer.text(), notice, "{data}");
    }
    // The colors shown on their last page, the fruits on theirs.
    let keyboard = alice.last_message().keyboard();
    assert_eq!(
        keyboard[..3],
        [vec!["Grape"], vec!["◀", "4/4"], vec!["Cyan"]]
    );
    assert!(errors.lock().unwrap().is_empty(), "{:?}", errors.lock());
}
