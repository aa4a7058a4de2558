use super::*;
use crate::spec::{Discriminator, TypeExpr, TypeKind};

/// A page in the shape of the official one, around the given sections.
fn page(sections: &str) -> String {
    format!(
        r##"<!DOCTYPE html>
<html><head><title>Bot API</title></head><body>
<div id="dev_page_content">
<p>Intro text.</p>
<h3><a class="anchor" name="recent-changes" href="#recent-changes"><i class="anchor-icon"></i></a>Recent changes</h3>
<h4><a class="anchor" name="may-1-2026" href="#may-1-2026"><i class="anchor-icon"></i></a>May 1, 2026</h4>
<p><strong>Bot API 9.9</strong></p>
<ul><li>Added the method <a href="#getthing">getThing</a>.</li></ul>
<h4><a class="anchor" name="april-2-2026" href="#april-2-2026"><i class="anchor-icon"></i></a>April 2, 2026</h4>
<p><strong>Bot API 9.8</strong></p>
<h3><a class="anchor" name="available-types" href="#available-types"><i class="anchor-icon"></i></a>Available types</h3>
{sections}
<hr>
<p>Closing words.</p>
</div></body></html>"##
    )
}

fn heading(name: &str) -> String {
    let anchor = name.to_lowercase().replace(' ', "-");
    format!(
        r##"<h4><a class="anchor" name="{anchor}" href="#{anchor}"><i class="anchor-icon"></i></a>{name}</h4>"##
    )
}

/// A type section with a field table; rows are `(name, type cell, description cell)`.
fn object(name: &str, rows: &[(&str, &str, &str)]) -> String {
    object_with(name, &format!("This object represents a {name}."), rows)
}

/// A type section with the given prose before its field table.
fn object_with(name: &str, prose: &str, rows: &[(&str, &str, &str)]) -> String {
    let rows: String = rows
        .iter()
        .map(|(n, t, d)| format!("<tr>\n<td>{n}</td>\n<td>{t}</td>\n<td>{d}</td>\n</tr>\n"))
        .collect();
    format!(
        "{}\n<p>{prose}</p>\n<table class=\"table\">\n<thead>\n<tr>\n\
         <th>Field</th>\n<th>Type</th>\n<th>Description</th>\n</tr>\n</thead>\n<tbody>\n{rows}\
         </tbody>\n</table>\n",
        heading(name)
    )
}

/// A method section; rows are `(name, type cell, required cell, description cell)`.
fn method_section(name: &str, prose: &str, rows: &[(&str, &str, &str, &str)]) -> String {
    let table = if rows.is_empty() {
        String::new()
    } else {
        let rows: String = rows
            .iter()
            .map(|(n, t, r, d)| {
                format!("<tr>\n<td>{n}</td>\n<td>{t}</td>\n<td>{r}</td>\n<td>{d}</td>\n</tr>\n")
            })
            .collect();
        format!(
            "<table class=\"table\">\n<thead>\n<tr>\n<th>Parameter</th>\n<th>Type</th>\n\
             <th>Required</th>\n<th>Description</th>\n</tr>\n</thead>\n<tbody>\n{rows}</tbody>\n\
             </table>\n"
        )
    };
    format!("{}\n<p>{prose}</p>\n{table}", heading(name))
}

fn message_type() -> String {
    object(
        "Message",
        &[("message_id", "Integer", "Unique message identifier")],
    )
}

fn parse(sections: &str) -> RawApi {
    match parse_html(&page(sections)) {
        Ok(raw) => raw,
        Err(errors) => panic!("parse failed: {errors:#?}"),
    }
}

fn errors(sections: &str) -> String {
    match parse_html(&page(sections)) {
        Ok(_) => panic!("parse should fail"),
        Err(errors) => errors.join("\n"),
    }
}

#[test]
fn version_date_and_changelog_come_from_the_latest_release() {
    let raw = parse(
        &(message_type()
            + &method_section("getMe", "Returns a <a href=\"#message\">Message</a>.", &[])),
    );
    assert_eq!(raw.version, "9.9");
    assert_eq!(raw.release_date, "May 1, 2026");
    assert_eq!(
        raw.changelog.as_deref(),
        Some("https://core.telegram.org/bots/api#may-1-2026")
    );
}

#[test]
fn a_release_without_a_version_fails() {
    let text = page(&message_type()).replace("<strong>Bot API 9.9</strong>", "New things");
    let err = parse_html(&text).unwrap_err().join("\n");
    assert!(
        err.contains("May 1, 2026") && err.contains("Bot API X.Y"),
        "{err}"
    );
}

#[test]
fn a_method_with_parameters_and_a_return_sentence() {
    let raw = parse(&format!(
        "{}{}",
        message_type(),
        method_section(
            "sendThing",
            "Use this method to send a thing. On success, the sent <a href=\"#message\">Message</a> is returned.",
            &[
                (
                    "chat_id",
                    "Integer or String",
                    "Yes",
                    "The chat: its id or its <code>@name</code>",
                ),
                (
                    "photo",
                    "<a href=\"#inputfile\">InputFile</a> or String",
                    "Optional",
                    "Photo to send"
                ),
                (
                    "sizes",
                    "Array of Array of <a href=\"#photosize\">PhotoSize</a>",
                    "Optional",
                    "Sizes"
                ),
                (
                    "media",
                    "Array of <a href=\"#inputmediaaudio\">InputMediaAudio</a>, <a href=\"#inputmediadocument\">InputMediaDocument</a> and <a href=\"#inputmediaphoto\">InputMediaPhoto</a>",
                    "Yes",
                    "Media",
                ),
                (
                    "reply_markup",
                    "<a href=\"#inlinekeyboardmarkup\">InlineKeyboardMarkup</a> or <a href=\"#replykeyboardmarkup\">ReplyKeyboardMarkup</a> or <a href=\"#forcereply\">ForceReply</a>",
                    "Optional",
                    "Markup",
                ),
                ("ratio", "Float number", "Optional", "Ratio"),
                ("count", "Int", "Optional", "Count"),
            ],
        )
    ));
    let m = &raw.methods[0];
    assert_eq!(m.name, "sendThing");
    assert_eq!(m.href, "https://core.telegram.org/bots/api#sendthing");
    assert_eq!(m.returns, ["Message"]);
    let types: Vec<(&str, Vec<&str>, bool)> = m
        .fields
        .iter()
        .map(|f| {
            (
                f.name.as_str(),
                f.types.iter().map(String::as_str).collect(),
                f.required,
            )
        })
        .collect();
    assert_eq!(
        types,
        [
            ("chat_id", vec!["Integer", "String"], true),
            ("photo", vec!["InputFile", "String"], false),
            ("sizes", vec!["Array of Array of PhotoSize"], false),
            (
                "media",
                vec![
                    "Array of InputMediaAudio",
                    "Array of InputMediaDocument",
                    "Array of InputMediaPhoto"
                ],
                true
            ),
            (
                "reply_markup",
                vec!["InlineKeyboardMarkup", "ReplyKeyboardMarkup", "ForceReply"],
                false
            ),
            ("ratio", vec!["Float"], false),
            ("count", vec!["Integer"], false),
        ]
    );
    assert_eq!(m.fields[0].description, "The chat: its id or its `@name`");
    assert_eq!(
        m.description,
        ["Use this method to send a thing. On success, the sent \
          [Message](https://core.telegram.org/bots/api#message) is returned."]
    );
}

#[test]
fn return_types_are_read_from_the_prose() {
    let link = |t: &str| format!("<a href=\"#{}\">{t}</a>", t.to_lowercase());
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            format!("Returns the uploaded {} on success.", link("File")),
            vec!["File"],
        ),
        (
            format!("Returns an Array of {} objects.", link("Update")),
            vec!["Array of Update"],
        ),
        (
            format!(
                "On success, an array of {} of the sent messages is returned.",
                link("MessageId")
            ),
            vec!["Array of MessageId"],
        ),
        (
            format!(
                "On success, if the edited message is not an inline message, the edited {} is \
                 returned, otherwise <em>True</em> is returned.",
                link("Message")
            ),
            vec!["Message", "Boolean"],
        ),
        ("Returns <em>True</em> on success.".into(), vec!["Boolean"]),
        ("Returns <em>Int</em> on success.".into(), vec!["Integer"]),
        (
            "Returns the new invite link as <em>String</em> on success.".into(),
            vec!["String"],
        ),
        (
            // Sentences that mention returning but name no type are skipped; so are links to
            // methods and emphasized words that are not types.
            format!(
                "Will return the score of the user. If the bot is using <a href=\"#getupdates\">getUpdates</a>, \
                 will return an object. Returns an error, if <em>force</em> is <em>False</em>. \
                 On success, returns a {} object.",
                link("File")
            ),
            vec!["File"],
        ),
        (
            "Deletes a message:<br>- A message can be deleted.<br>Returns <em>True</em> on success."
                .into(),
            vec!["Boolean"],
        ),
    ];
    for (prose, expected) in cases {
        let sections = format!(
            "{}{}{}{}",
            message_type(),
            object("File", &[("file_id", "String", "Id")]),
            object("Update", &[("update_id", "Integer", "Id")]),
            object("MessageId", &[("message_id", "Integer", "Id")]),
        ) + &method_section("doIt", &prose, &[]);
        let raw = parse(&sections);
        assert_eq!(raw.methods[0].returns, expected, "{prose}");
    }
}

#[test]
fn a_method_without_a_return_sentence_fails() {
    let err = errors(&(message_type() + &method_section("doIt", "Does a thing.", &[])));
    assert!(err.contains("doIt: no sentence"), "{err}");
    let err = errors(
        &(message_type()
            + &method_section(
                "doIt",
                "Returns <em>True</em> on success. Returns a <a href=\"#message\">Message</a>.",
                &[],
            )),
    );
    assert!(err.contains("doIt: sentences disagree"), "{err}");
}

#[test]
fn a_type_with_fields_and_optional_markers() {
    let raw = parse(&object(
        "Photo",
        &[
            ("file_id", "String", "Identifier for this file"),
            ("width", "Integer", "<em>Optional</em>. Photo width"),
            (
                "is_big",
                "True",
                "<em>Optional</em>. <em>True</em>, if the photo is big",
            ),
            (
                "ratio",
                "Float",
                "<em>Optional</em>. <a href=\"#ratio\">Ratio</a> of the sides",
            ),
        ],
    ));
    let t = &raw.types[0];
    assert_eq!(t.name, "Photo");
    assert_eq!(t.href, "https://core.telegram.org/bots/api#photo");
    assert_eq!(t.description, ["This object represents a Photo."]);
    assert!(t.subtypes.is_empty());
    let fields: Vec<(&str, &str, bool, &str)> = t
        .fields
        .iter()
        .map(|f| {
            (
                f.name.as_str(),
                f.types[0].as_str(),
                f.required,
                f.description.as_str(),
            )
        })
        .collect();
    assert_eq!(
        fields,
        [
            ("file_id", "String", true, "Identifier for this file"),
            ("width", "Integer", false, "Optional. Photo width"),
            (
                "is_big",
                "Boolean",
                false,
                "Optional. *True*, if the photo is big"
            ),
            (
                "ratio",
                "Float",
                false,
                "Optional. [Ratio](https://core.telegram.org/bots/api#ratio) of the sides"
            ),
        ]
    );
}

#[test]
fn empty_types_and_union_member_lists() {
    let raw = parse(&format!(
        "{}\n<p>This object describes a member. It can be one of</p>\n<ul>\n\
         <li><a href=\"#memberowner\">MemberOwner</a></li>\n\
         <li><a href=\"#memberleft\">MemberLeft</a></li>\n</ul>\n\
         <p>Members are told apart by status.</p>\n{}{}{}\n<p>Holds no information.</p>\n",
        heading("Member"),
        object(
            "MemberOwner",
            &[("status", "String", "The status, always “creator”")]
        ),
        object(
            "MemberLeft",
            &[("status", "String", "The status, always “left”")]
        ),
        heading("TopicClosed"),
    ));
    let member = &raw.types[0];
    assert_eq!(member.subtypes, ["MemberOwner", "MemberLeft"]);
    assert!(member.fields.is_empty());
    assert_eq!(
        member.description,
        [
            "This object describes a member. It can be one of",
            "- [MemberOwner](https://core.telegram.org/bots/api#memberowner)",
            "- [MemberLeft](https://core.telegram.org/bots/api#memberleft)",
            "Members are told apart by status.",
        ]
    );
    let closed = &raw.types[3];
    assert_eq!(closed.name, "TopicClosed");
    assert!(closed.fields.is_empty() && closed.subtypes.is_empty());
    assert_eq!(closed.description, ["Holds no information."]);
}

#[test]
fn markdown_keeps_links_code_and_emphasis() {
    let raw = parse(&object(
        "Thing",
        &[(
            "text",
            "String",
            "See <a href=\"#formatting-options\">formatting options</a>, \
             <a href=\"/bots/features#inline-keyboards\">keyboards</a>, \
             <a href=\"//telegram.org/faq\">the FAQ</a> and \
             <a href=\"https://en.wikipedia.org/wiki/Push_technology#Long_polling\">wiki</a> \
             (<a href=\"https://en.wikipedia.org/wiki/Bot_(disambiguation)\">bots</a>). \
             Pass <code>[&quot;a&quot;, &quot;b&quot;]</code>, <em>True</em> or \
             <strong>only <em>one</em></strong>.<br><br>\
             <strong>NOTE:</strong> second paragraph",
        )],
    ));
    assert_eq!(
        raw.types[0].fields[0].description,
        "See [formatting options](https://core.telegram.org/bots/api#formatting-options), \
         [keyboards](https://core.telegram.org/bots/features#inline-keyboards), \
         [the FAQ](https://telegram.org/faq) and \
         [wiki](https://en.wikipedia.org/wiki/Push_technology#Long_polling) \
         ([bots](https://en.wikipedia.org/wiki/Bot_%28disambiguation%29)). \
         Pass `[\"a\", \"b\"]`, *True* or **only *one***.\n\n**NOTE:** second paragraph"
    );
}

#[test]
fn blocks_become_description_entries() {
    let raw = parse(&format!(
        "{}\n<p>First.<br>- one<br>- two</p>\n<blockquote>\n<p><strong>Note:</strong> quoted</p>\n\
         </blockquote>\n<div class=\"blog_image_wrap\"><img src=\"x.png\" alt=\"picture\"></div>\n\
         <table class=\"table\"><thead><tr><th>Field</th><th>Type</th><th>Description</th></tr>\
         </thead><tbody><tr><td>x</td><td>Integer</td><td>X</td></tr></tbody></table>\n\
         <p>After the table.</p>\n",
        heading("Thing")
    ));
    assert_eq!(
        raw.types[0].description,
        [
            "First.",
            "- one",
            "- two",
            "> **Note:** quoted",
            "After the table."
        ]
    );
}

#[test]
fn entities_quotes_and_markdown_characters_are_normalized() {
    let raw = parse(&object(
        "Thing",
        &[(
            "value",
            "String",
            "Can be “a”, &quot;b&quot; or ‘c’ &amp; it&#39;s “<img class=\"emoji\" alt=\"🎲\" src=\"x.png\">”. \
             Wait…, pass “attach://&lt;part&gt;”, 6 * 3600, file_id, _x_ or \\ [y] `z` &amp;amp;",
        )],
    ));
    assert_eq!(
        raw.types[0].fields[0].description,
        "Can be \"a\", \"b\" or 'c' & it's \"🎲\". Wait..., pass \
         \"attach://\\<part>\", 6 \\* 3600, file_id, \\_x\\_ or \\\\ \\[y\\] \\`z\\` \\&amp;"
    );
    // The rules read the text as it shows.
    assert_eq!(
        crate::lower::plain_text(&raw.types[0].fields[0].description),
        "Can be \"a\", \"b\" or 'c' & it's \"🎲\". Wait..., pass \
         \"attach://<part>\", 6 * 3600, file_id, _x_ or \\ [y] `z` &amp;"
    );
}

#[test]
fn type_cells_follow_the_scrape() {
    let cases: &[(&str, &[&str])] = &[
        ("Integer or String", &["Integer", "String"]),
        ("True", &["Boolean"]),
        ("Array of True", &["Array of Boolean"]),
        ("Int", &["Integer"]),
        ("Float number", &["Float"]),
        (
            "Array of Array of PhotoSize",
            &["Array of Array of PhotoSize"],
        ),
        (
            "Array of A, B and C",
            &["Array of A", "Array of B", "Array of C"],
        ),
        ("A or B or C or D", &["A", "B", "C", "D"]),
        ("A, B or C", &["A", "B", "C"]),
    ];
    for (cell, expected) in cases {
        assert_eq!(type_alternatives(cell).unwrap(), *expected, "{cell}");
    }
    assert!(type_alternatives("a list of things").is_err());
    assert!(type_alternatives("").is_err());
}

#[test]
fn sections_that_are_not_methods_or_types_are_skipped_by_rule() {
    let raw = parse(&format!(
        "{}{}\n<p>Some prose.</p>\n<table class=\"table\"><thead><tr><th>Color</th><th>Value</th>\
         </tr></thead><tbody><tr><td>1</td><td>red</td></tr></tbody></table>\n{}\n<p>More.</p>\n",
        message_type(),
        heading("Accent colors"),
        heading("Do I need a Local Bot API Server"),
    ));
    let names: Vec<&str> = raw.types.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["Message"]);
    assert!(raw.methods.is_empty());
    // The prose after the last type section is not part of it.
    assert_eq!(
        raw.types[0].description,
        ["This object represents a Message."]
    );
}

#[test]
fn an_unclassifiable_heading_fails_with_its_name() {
    let err = errors(&(message_type() + &heading("Sticker_set") + "<p>?</p>"));
    assert!(
        err.contains("heading \"Sticker_set\" (#sticker_set) is neither"),
        "{err}"
    );
    let err = errors(&(message_type() + &heading("42")));
    assert!(err.contains("heading \"42\""), "{err}");
}

#[test]
fn prose_with_a_definition_table_and_odd_release_headings_fail() {
    let prose = format!(
        "{}{}",
        heading("Sending files"),
        method_section(
            "x",
            "Returns <em>True</em> on success.",
            &[("a", "Integer", "Yes", "A")]
        )
        .split_once('\n')
        .unwrap()
        .1
    );
    let err = errors(&(message_type() + &prose));
    assert!(
        err.contains(
            "\"Sending files\" (#sending-files) reads as prose (several words) but \
                      holds a parameter table"
        ),
        "{err}"
    );
    let text = page(&message_type()).replace(">April 2, 2026<", ">Older changes<");
    let err = parse_html(&text).unwrap_err().join("\n");
    assert!(
        err.contains("\"Older changes\"") && err.contains("not a release date"),
        "{err}"
    );
}

#[test]
fn wrong_tables_and_required_cells_fail() {
    let err = errors(&method_section(
        "doIt",
        "Returns <em>True</em> on success.",
        &[("a", "Integer", "Sometimes", "A")],
    ));
    assert!(err.contains("doIt.a: Required is \"Sometimes\""), "{err}");
    let err =
        errors(&(object("Thing", &[("a", "Integer", "A")]).replace("Thing</h4>", "thing</h4>")));
    assert!(
        err.contains("thing: expected a parameter table, found a field table"),
        "{err}"
    );
}

#[test]
fn not_the_documentation_page() {
    let err = parse_html("<html><body><p>Hello</p></body></html>").unwrap_err();
    assert!(err[0].contains("dev_page_content"), "{err:?}");
    assert!(looks_like_html("\n  <!DOCTYPE html><html>"));
    assert!(!looks_like_html("{\"methods\": {}}"));
    use crate::spec::SourceFormat;
    assert_eq!(
        crate::detect_format("\u{feff}<!DOCTYPE html>"),
        Ok(SourceFormat::OfficialHtml)
    );
    assert_eq!(
        crate::detect_format(" {\"version\": \"Bot API 9.9\"}"),
        Ok(SourceFormat::CommunityJson)
    );
    assert!(crate::detect_format("Bot API").is_err());
}

/// The import rules see through the Markdown of the page: quoted values, `must be *x*` and
/// `always "x"` tags, `attach://` uploads and "At most **one** of the optional fields".
#[test]
fn the_rules_apply_to_markdown_descriptions() {
    let sections = format!(
        "{}{}{}\n<p>It should be one of</p>\n<ul>\n<li><a href=\"#mediaphoto\">MediaPhoto</a></li>\n\
         <li><a href=\"#mediavideo\">MediaVideo</a></li>\n</ul>\n{}{}{}{}",
        object_with(
            "Update",
            "This object represents an incoming update.<br>At most <strong>one</strong> of the \
             optional parameters can be present in any given update.",
            &[
                ("update_id", "Integer", "Identifier"),
                (
                    "message",
                    "<a href=\"#message\">Message</a>",
                    "<em>Optional</em>. New message"
                ),
            ],
        ),
        object(
            "Message",
            &[
                ("message_id", "Integer", "Identifier"),
                (
                    "kind",
                    "String",
                    "Kind of the message, can be either “<em>private</em>” or “group”",
                ),
            ],
        ),
        heading("Media"),
        object(
            "MediaPhoto",
            &[
                (
                    "type",
                    "String",
                    "Type of the result, must be <em>photo</em>"
                ),
                (
                    "media",
                    "String",
                    "The photo: a file id, or “attach://&lt;part&gt;” for an upload",
                ),
            ],
        ),
        object(
            "MediaVideo",
            &[("type", "String", "Type of the media, always “video”")],
        ),
        method_section(
            "getUpdates",
            "Returns an Array of <a href=\"#update\">Update</a> objects.",
            &[],
        ),
        method_section(
            "sendMedia",
            "On success, the sent <a href=\"#message\">Message</a> is returned.",
            &[("media", "<a href=\"#media\">Media</a>", "Yes", "The media")],
        ),
    );
    let imported = crate::import_html(&page(&sections), "test.html", "{}")
        .unwrap_or_else(|e| panic!("{e:#?}"));
    let spec = imported.spec;
    assert_eq!(spec.source.format, crate::spec::SourceFormat::OfficialHtml);
    assert_eq!(spec.api.release_date, "2026-05-01");
    let TypeKind::Object { one_optional, .. } = spec.type_def("Update").unwrap().kind else {
        panic!("Update is an object")
    };
    assert!(one_optional);
    let TypeKind::Union {
        discriminator,
        members,
    } = &spec.type_def("Media").unwrap().kind
    else {
        panic!("Media is a union")
    };
    assert_eq!(
        *discriminator,
        Discriminator::Field {
            field: "type".into()
        }
    );
    let tags: Vec<Option<&str>> = members.iter().map(|m| m.tag.as_deref()).collect();
    assert_eq!(tags, [Some("photo"), Some("video")]);
    let media = spec.type_def("MediaPhoto").unwrap().fields();
    assert_eq!(media[1].ty, TypeExpr::Attachable);
    let kind = &spec.type_def("Message").unwrap().fields()[1];
    assert_eq!(
        kind.ty,
        TypeExpr::Enum {
            name: "MessageKind".into()
        }
    );
    let values: Vec<&str> = spec
        .enum_def("MessageKind")
        .unwrap()
        .values
        .iter()
        .map(|v| v.value.as_str())
        .collect();
    assert_eq!(values, ["private", "group"]);
    assert_eq!(
        spec.method("getUpdates").unwrap().returns,
        TypeExpr::array(TypeExpr::reference("Update"))
    );
    // The import states everything the page documents.
    assert_eq!(
        crate::compare_with_any(&page(&sections), &spec, "{}"),
        Vec::<String>::new()
    );
}
