//! The kinds of e-mail the service sends, and which of them staff may turn off.

use serde::{Deserialize, Serialize};

/// What an outbox row is. The code is stored in `outbox.kind` and `mail_optouts.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The survey link sent to a citizen who left an address with the dossier.
    Invitation,
    /// The one reminder, if the invitation is still open.
    Reminder,
    /// The weekly digest of an agency's scores, to its managers.
    Digest,
    /// An agency's rolling index fell below the target.
    IndexAlert,
    /// A response rated a criterion 1 and left a comment.
    CommentAlert,
    /// An export the recipient asked for is ready.
    ExportReady,
}

impl Kind {
    pub const ALL: [Kind; 6] =
        [Kind::Invitation, Kind::Reminder, Kind::Digest, Kind::IndexAlert, Kind::CommentAlert, Kind::ExportReady];

    /// The kinds sent to staff, each of which a recipient can turn off.
    pub const STAFF: [Kind; 4] = [Kind::Digest, Kind::IndexAlert, Kind::CommentAlert, Kind::ExportReady];

    pub fn code(self) -> &'static str {
        match self {
            Kind::Invitation => "invitation",
            Kind::Reminder => "reminder",
            Kind::Digest => "digest",
            Kind::IndexAlert => "index_alert",
            Kind::CommentAlert => "comment_alert",
            Kind::ExportReady => "export_ready",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == s)
    }

    /// Mails to citizens: addressed through their invitation, never to a stored recipient.
    pub fn is_citizen(self) -> bool {
        matches!(self, Kind::Invitation | Kind::Reminder)
    }

    /// Digests and alerts: bulk mail that carries `List-Unsubscribe`.
    pub fn is_bulk(self) -> bool {
        matches!(self, Kind::Digest | Kind::IndexAlert | Kind::CommentAlert)
    }

    /// The name shown to staff (preferences page, outbox view).
    pub fn label(self, locale: crate::domain::Locale) -> &'static str {
        match self {
            Kind::Invitation => locale.pick("Thư mời khảo sát", "Survey invitation"),
            Kind::Reminder => locale.pick("Thư nhắc", "Reminder"),
            Kind::Digest => locale.pick("Bản tin tuần của cơ quan", "Weekly agency digest"),
            Kind::IndexAlert => locale.pick("Cảnh báo chỉ số dưới mục tiêu", "Index below target alert"),
            Kind::CommentAlert => {
                locale.pick("Cảnh báo đánh giá rất thấp kèm ý kiến", "Very low rating with comment alert")
            }
            Kind::ExportReady => locale.pick("Thông báo tệp xuất dữ liệu đã sẵn sàng", "Export ready notice"),
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.code()), Some(k));
        }
        assert_eq!(Kind::parse("spam"), None);
        assert!(Kind::STAFF.iter().all(|k| !k.is_citizen()));
    }
}
