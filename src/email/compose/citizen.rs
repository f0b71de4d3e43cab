//! A citizen's invitation and its one reminder, in the invitation's locale, with the survey
//! link as a button, a visible URL and an inline QR code.

use askama::Template;

use super::format::{date, hanoi_date_time, png};
use super::{letter, CitizenInvite, ComposeError};
use crate::domain::Locale;
use crate::email::Letter;

/// The QR code's Content-ID, file name and size in the HTML (px).
const QR_CID: &str = "qr";
const QR_NAME: &str = "ma-qr.png";
const QR_PX: u32 = 200;

/// The fixed words of a citizen mail in one language.
struct Words {
    lang: &'static str,
    subject: &'static str,
    reminder_prefix: &'static str,
    greeting: &'static str,
    agency: &'static str,
    field: &'static str,
    procedure: &'static str,
    handled_on: &'static str,
    button: &'static str,
    link_intro: &'static str,
    qr_intro: &'static str,
    qr_alt: &'static str,
    anonymous: &'static str,
    anonymous_short: &'static str,
    only_reminder: &'static str,
    address_use: &'static str,
    closing: &'static str,
    signature: &'static str,
    automatic: &'static str,
}

const VI: Words = Words {
    lang: "vi",
    subject: "Mời đánh giá sự phục vụ của",
    reminder_prefix: "Nhắc:",
    greeting: "Kính gửi Quý ông/bà,",
    agency: "Cơ quan",
    field: "Lĩnh vực",
    procedure: "Mã thủ tục",
    handled_on: "Ngày giải quyết",
    button: "Đánh giá ngay",
    link_intro: "Hoặc mở đường dẫn sau:",
    qr_intro: "Hoặc quét mã QR này bằng điện thoại:",
    qr_alt: "Mã QR dẫn đến phiếu khảo sát",
    anonymous: "Phiếu khảo sát mất khoảng 2 phút và không ghi tên: câu trả lời của Quý ông/bà \
                không được gắn với hồ sơ.",
    anonymous_short: "Phiếu không ghi tên: câu trả lời không được gắn với hồ sơ của Quý ông/bà.",
    only_reminder: "Đây là thư nhắc duy nhất: chúng tôi sẽ không gửi thêm thư nào nữa.",
    address_use: "Địa chỉ email của Quý ông/bà chỉ được dùng cho khảo sát này và một thư nhắc, \
                  sau đó sẽ bị xoá.",
    closing: "Trân trọng cảm ơn Quý ông/bà!",
    signature: "Khảo sát sự hài lòng về sự phục vụ hành chính – Thành phố Hà Nội",
    automatic: "Đây là thư tự động, xin đừng trả lời thư này.",
};

const EN: Words = Words {
    lang: "en",
    subject: "Please rate the service of",
    reminder_prefix: "Reminder:",
    greeting: "Dear Sir or Madam,",
    agency: "Agency",
    field: "Field",
    procedure: "Procedure code",
    handled_on: "Handled on",
    button: "Rate the service",
    link_intro: "Or open this link:",
    qr_intro: "Or scan this QR code with your phone:",
    qr_alt: "QR code that opens the survey",
    anonymous: "The survey takes about 2 minutes and is anonymous: your answers are not linked to \
                your dossier.",
    anonymous_short: "It is anonymous: your answers are not linked to your dossier.",
    only_reminder: "This is the only reminder: we will not write to you again.",
    address_use: "Your e-mail address is used only for this survey and one reminder, and is then \
                  deleted.",
    closing: "Thank you!",
    signature: "Satisfaction survey on public administrative services – Hanoi",
    automatic: "This is an automatic message; please do not reply to it.",
};

/// Everything a citizen mail shows, in its locale.
struct View {
    lang: &'static str,
    subject: String,
    greeting: &'static str,
    intro: String,
    details: Vec<(&'static str, String)>,
    button: &'static str,
    link_intro: &'static str,
    survey_url: String,
    qr_intro: &'static str,
    qr_alt: &'static str,
    qr_cid: &'static str,
    qr_px: u32,
    notes: Vec<String>,
    closing: &'static str,
    signature: &'static str,
    automatic: &'static str,
}

#[derive(Template)]
#[template(path = "email/invitation.txt", escape = "none", whitespace = "preserve")]
struct Text<'a> {
    v: &'a View,
}

#[derive(Template)]
#[template(path = "email/invitation.html")]
struct Html<'a> {
    v: &'a View,
}

fn view(m: &CitizenInvite) -> View {
    let (w, locale) = match m.locale {
        Locale::Vi => (&VI, Locale::Vi),
        Locale::En => (&EN, Locale::En),
    };
    let agency = locale.pick(&m.agency_vi, &m.agency_en).to_owned();
    let handled = date(m.handled_on, locale);
    let expiry = hanoi_date_time(m.expires_at, locale);
    let mut subject = format!("{} {agency}", w.subject);
    if m.reminder {
        subject = format!("{} {subject}", w.reminder_prefix);
    }
    let intro = match (m.reminder, locale) {
        (false, Locale::Vi) => format!(
            "{agency} đã giải quyết hồ sơ của Quý ông/bà ngày {handled}. Xin mời Quý ông/bà dành ít phút \
             đánh giá sự phục vụ, để cơ quan phục vụ người dân ngày càng tốt hơn."
        ),
        (false, Locale::En) => format!(
            "{agency} handled your dossier on {handled}. Please take a moment to rate the service, so \
             that it can serve people better."
        ),
        (true, Locale::Vi) => format!(
            "Chúng tôi chưa nhận được đánh giá của Quý ông/bà về sự phục vụ của {agency}. Nếu có thể, \
             xin Quý ông/bà dành khoảng 2 phút để đánh giá trước {expiry}."
        ),
        (true, Locale::En) => format!(
            "We have not yet received your rating of the service of {agency}. If you can, please take \
             about 2 minutes to rate it before {expiry}."
        ),
    };
    let mut details = vec![(w.agency, agency.clone()), (w.field, m.field.name(locale).to_owned())];
    if let Some(code) = m.procedure_code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        details.push((w.procedure, code.to_owned()));
    }
    details.push((w.handled_on, handled));
    let notes = if m.reminder {
        vec![w.only_reminder.to_owned(), w.anonymous_short.to_owned(), after_reminder(locale)]
    } else {
        let valid = match locale {
            Locale::Vi => format!("Đường dẫn có hiệu lực đến {expiry}."),
            Locale::En => format!("The link works until {expiry}."),
        };
        vec![w.anonymous.to_owned(), valid, w.address_use.to_owned()]
    };
    View {
        lang: w.lang,
        subject,
        greeting: w.greeting,
        intro,
        details,
        button: w.button,
        link_intro: w.link_intro,
        survey_url: m.survey_url.clone(),
        qr_intro: w.qr_intro,
        qr_alt: w.qr_alt,
        qr_cid: QR_CID,
        qr_px: QR_PX,
        notes,
        closing: w.closing,
        signature: w.signature,
        automatic: w.automatic,
    }
}

fn after_reminder(locale: Locale) -> String {
    locale
        .pick(
            "Địa chỉ email của Quý ông/bà sẽ bị xoá sau thư này.",
            "Your e-mail address will be deleted after this message.",
        )
        .to_owned()
}

/// The invitation (or, with `m.reminder`, its only reminder) to `to`. No unsubscribe: the
/// address is erased once the reminder is settled.
pub fn invitation(to: &str, m: &CitizenInvite) -> Result<Letter, ComposeError> {
    let v = view(m);
    let qr = crate::qr::png(&m.survey_url, 6)?;
    let text = Text { v: &v }.render()?;
    let html = Html { v: &v }.render()?;
    Ok(letter(to, v.subject.clone(), text, html, vec![png(QR_CID, QR_NAME, qr)], None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Field;
    use crate::email::compose::test_support::{assert_png, escaped, to_message, NASTY};

    fn invite(locale: Locale, reminder: bool) -> CitizenInvite {
        CitizenInvite {
            locale,
            reminder,
            agency_vi: format!("Sở Tài chính {NASTY}"),
            agency_en: format!("Department of Finance {NASTY}"),
            field: crate::domain::Field::Land,
            procedure_code: Some("1.004227".into()),
            handled_on: "2026-11-17".parse().unwrap(),
            survey_url: "https://khaosat.example.vn/s/AbCdEf0123456789AbCdEf".into(),
            expires_at: "2026-12-17T16:59:00".parse().unwrap(),
        }
    }

    #[test]
    fn vietnamese_invitation_has_everything() {
        let m = invite(Locale::Vi, false);
        let l = invitation("an@example.vn", &m).unwrap();
        assert_eq!(l.to, "an@example.vn");
        assert_eq!(l.subject, format!("Mời đánh giá sự phục vụ của Sở Tài chính {NASTY}"));
        assert_eq!(l.unsubscribe, None);
        for part in [&l.text, &l.html] {
            assert!(part.contains(&m.survey_url), "{part}");
            assert!(part.contains("Đất đai") && part.contains("1.004227") && part.contains("17/11/2026"), "{part}");
            assert!(part.contains("23:59 ngày 17/12/2026 (giờ Hà Nội)"), "expiry as Hanoi time: {part}");
            assert!(part.contains("khoảng 2 phút") && part.contains("một thư nhắc"), "{part}");
            assert!(!part.contains("Please rate"), "{part}");
        }
        assert!(l.text.contains(&format!("Sở Tài chính {NASTY}")), "verbatim in text: {}", l.text);
        assert!(!l.html.contains(NASTY) && l.html.contains(&escaped(NASTY)), "{}", l.html);
        assert!(l.html.contains("<html lang=\"vi\""), "{}", l.html);
        assert!(l.html.contains(&format!("href=\"{}\"", m.survey_url)), "a button: {}", l.html);
        let [qr] = l.inline.as_slice() else { panic!("one inline image: {:?}", l.inline.len()) };
        assert_eq!(
            (qr.content_id.as_str(), qr.name.as_str(), qr.content_type.as_str()),
            ("qr", "ma-qr.png", "image/png")
        );
        assert!(assert_png(&qr.bytes) >= 21 * 6, "a QR code of at least 21 modules");
        assert!(l.html.contains("src=\"cid:qr\""), "{}", l.html);
        to_message(&l);
    }

    #[test]
    fn english_reminder_is_short_and_says_it_is_the_only_one() {
        let m = CitizenInvite { procedure_code: None, field: Field::Health, ..invite(Locale::En, true) };
        let l = invitation("an@example.vn", &m).unwrap();
        assert_eq!(l.subject, format!("Reminder: Please rate the service of Department of Finance {NASTY}"));
        assert_eq!(l.unsubscribe, None);
        for part in [&l.text, &l.html] {
            assert!(part.contains(&m.survey_url) && part.contains("only reminder"), "{part}");
            assert!(part.contains("Health") && part.contains("17 Nov 2026") && part.contains("17 Dec 2026, 23:59"));
            assert!(!part.contains("Procedure code") && !part.contains("Sở Tài chính"), "{part}");
            assert!(!part.contains("Mời đánh giá"), "{part}");
        }
        assert!(l.html.contains("<html lang=\"en\""));
        assert!(l.html.contains("src=\"cid:qr\"") && l.inline.len() == 1);
        let full = invitation("an@example.vn", &invite(Locale::En, false)).unwrap();
        assert!(l.text.len() < full.text.len(), "the reminder is shorter");
        assert_eq!(full.subject, format!("Please rate the service of Department of Finance {NASTY}"));
        to_message(&l);
    }
}
