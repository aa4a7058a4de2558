//! What a change of a chat member was: joined, left, promoted, demoted, restricted, banned.

use crate::{ChatMember, ChatMemberUpdated};

impl ChatMember {
    /// Whether the user is in the chat: its owner, an administrator, a member, or a restricted
    /// user who is a member. `false` for users who left or were banned, and for a kind this
    /// version of the crate does not know.
    pub fn is_present(&self) -> bool {
        match self {
            ChatMember::Owner(_) | ChatMember::Administrator(_) | ChatMember::Member(_) => true,
            ChatMember::Restricted(r) => r.is_member,
            _ => false,
        }
    }

    /// Whether the user is the chat's owner or an administrator.
    pub fn is_admin(&self) -> bool {
        matches!(self, ChatMember::Owner(_) | ChatMember::Administrator(_))
    }
}

impl ChatMemberUpdated {
    /// The user came into the chat (joined, was added, or came back).
    pub fn joined(&self) -> bool {
        !self.old_chat_member.is_present() && self.new_chat_member.is_present()
    }

    /// The user went out of the chat (left, was removed or banned).
    pub fn left(&self) -> bool {
        self.old_chat_member.is_present() && !self.new_chat_member.is_present()
    }

    /// The user became the chat's owner or an administrator.
    pub fn promoted(&self) -> bool {
        !self.old_chat_member.is_admin() && self.new_chat_member.is_admin()
    }

    /// The user stopped being the chat's owner or an administrator.
    pub fn demoted(&self) -> bool {
        self.old_chat_member.is_admin() && !self.new_chat_member.is_admin()
    }

    /// The user became restricted (`ChatMember::Restricted`), in the chat or not.
    pub fn restricted(&self) -> bool {
        !matches!(*self.old_chat_member, ChatMember::Restricted(_))
            && matches!(*self.new_chat_member, ChatMember::Restricted(_))
    }

    /// The user was banned (`ChatMember::Banned`).
    pub fn banned(&self) -> bool {
        !matches!(*self.old_chat_member, ChatMember::Banned(_))
            && matches!(*self.new_chat_member, ChatMember::Banned(_))
    }
}

#[cfg(test)]
mod tests {
    use crate::{ChatMemberUpdated, json};

    const USER: &str = r#"{"id": 42, "is_bot": false, "first_name": "Ada"}"#;

    /// A change from the member `old` to `new`, as Telegram sends it.
    fn change(old: &str, new: &str) -> ChatMemberUpdated {
        json::from_str(&format!(
            r#"{{"chat": {{"id": -100, "type": "supergroup", "title": "G"}}, "from": {USER},
                "date": 1700000000, "old_chat_member": {old}, "new_chat_member": {new}}}"#
        ))
        .expect("a documented chat member update")
    }

    fn member(status: &str) -> String {
        format!(r#"{{"status": "{status}", "user": {USER}}}"#)
    }

    fn restricted(is_member: bool) -> String {
        format!(
            r#"{{"status": "restricted", "user": {USER}, "is_member": {is_member},
                "can_send_messages": false, "can_send_audios": false, "can_send_documents": false,
                "can_send_photos": false, "can_send_videos": false, "can_send_video_notes": false,
                "can_send_voice_notes": false, "can_send_polls": false, "can_send_other_messages": false,
                "can_add_web_page_previews": false, "can_change_info": false, "can_invite_users": false,
                "can_pin_messages": false, "can_manage_topics": false, "until_date": 0}}"#
        )
    }

    fn admin() -> String {
        format!(
            r#"{{"status": "administrator", "user": {USER}, "can_be_edited": false, "is_anonymous": false,
                "can_manage_chat": true, "can_delete_messages": true, "can_manage_video_chats": true,
                "can_restrict_members": true, "can_promote_members": false, "can_change_info": true,
                "can_invite_users": true, "can_post_stories": false, "can_edit_stories": false,
                "can_delete_stories": false}}"#
        )
    }

    /// (joined, left, promoted, demoted, restricted, banned)
    fn what(u: &ChatMemberUpdated) -> [bool; 6] {
        [
            u.joined(),
            u.left(),
            u.promoted(),
            u.demoted(),
            u.restricted(),
            u.banned(),
        ]
    }

    #[test]
    fn each_change_says_what_it_was() {
        let (t, f) = (true, false);
        let kicked = r#"{"status": "kicked", "user": {"id": 42, "is_bot": false, "first_name": "Ada"}, "until_date": 0}"#;
        let cases = [
            (member("left"), member("member"), [t, f, f, f, f, f]),
            (member("member"), member("left"), [f, t, f, f, f, f]),
            (member("member"), admin(), [f, f, t, f, f, f]),
            (admin(), member("member"), [f, f, f, t, f, f]),
            (member("member"), restricted(true), [f, f, f, f, t, f]),
            (member("member"), restricted(false), [f, t, f, f, t, f]),
            (restricted(false), restricted(true), [t, f, f, f, f, f]),
            (member("member"), kicked.to_string(), [f, t, f, f, f, t]),
            (member("left"), admin(), [t, f, t, f, f, f]),
        ];
        for (old, new, expected) in cases {
            let u = change(&old, &new);
            assert_eq!(
                what(&u),
                expected,
                "{} -> {}",
                u.old_chat_member.status(),
                u.new_chat_member.status()
            );
        }
    }
}
