//! Synthetic comments, in Vietnamese (English for the few respondents who answer in
//! English), in the tone of the overall rating. About one in four carries what real comments
//! carry and staff pages must mask: a phone number, a CCCD number or an e-mail address.

use super::rng::Rng;
use crate::domain::{Channel, Locale};

/// Which service the comment is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Dossier,
    Health,
    Education,
}

impl Family {
    pub fn of(survey_id: &str) -> Family {
        match survey_id {
            "health-public" => Family::Health,
            "education-public" => Family::Education,
            _ => Family::Dossier,
        }
    }
}

/// Share of comments with a phone number, a CCCD number or an e-mail address.
const PERSONAL_DATA_SHARE: f64 = 0.25;

const DOSSIER_GOOD: &[&str] = &[
    "Cán bộ tiếp nhận nhiệt tình, hướng dẫn rõ ràng. Cảm ơn!",
    "Thủ tục nhanh gọn, trả kết quả đúng hẹn.",
    "Rất hài lòng với thái độ phục vụ của công chức bộ phận một cửa.",
    "Phòng chờ sạch sẽ, có nước uống, chỗ ngồi thoải mái.",
    "Được hướng dẫn một lần là đủ giấy tờ, không phải đi lại nhiều.",
    "Cán bộ trẻ, làm việc chuyên nghiệp, giải thích dễ hiểu.",
    "Có tin nhắn báo khi có kết quả, rất tiện.",
];
const DOSSIER_ONLINE_GOOD: &[&str] = &[
    "Nộp hồ sơ trực tuyến tiện lợi, không phải xin nghỉ làm.",
    "Thanh toán lệ phí trực tuyến nhanh, nhận kết quả qua bưu điện đúng hẹn.",
];
const DOSSIER_BAD: &[&str] = &[
    "Phải chờ quá lâu, hẹn trả kết quả nhưng bị chậm mấy ngày mà không ai báo.",
    "Hướng dẫn chưa rõ, tôi phải bổ sung giấy tờ hai lần.",
    "Chỗ ngồi chờ chật, không đủ bàn để viết hồ sơ.",
    "Cán bộ trả lời cộc lốc, chưa nhiệt tình với người dân.",
    "Phí, lệ phí cần niêm yết rõ hơn, tôi không biết phải nộp bao nhiêu.",
    "Máy lấy số thứ tự hay hỏng, mọi người chen nhau.",
    "Gọi điện đường dây nóng nhiều lần không ai nghe máy.",
];
const DOSSIER_ONLINE_BAD: &[&str] = &[
    "Cổng dịch vụ công hay bị lỗi, tải hồ sơ lên không được.",
    "Đăng nhập bằng tài khoản định danh điện tử rất chậm, phải thử nhiều lần.",
    "Nộp trực tuyến rồi vẫn bị yêu cầu mang bản giấy đến nộp lại.",
];
const DOSSIER_IDEAS: &[&str] = &[
    "Đề nghị bố trí thêm quầy tiếp nhận vào buổi sáng thứ Hai.",
    "Nên có video hướng dẫn trên cổng dịch vụ công.",
    "Mong được nhắn tin báo khi hồ sơ có kết quả.",
    "Nên kéo dài giờ làm việc đến 17 giờ 30 cho người đi làm.",
    "Đề nghị niêm yết mẫu tờ khai đã điền sẵn để người dân tham khảo.",
];
const HEALTH_GOOD: &[&str] = &[
    "Bác sĩ khám kỹ, giải thích bệnh tình rõ ràng.",
    "Điều dưỡng tận tình, chu đáo với người bệnh.",
    "Đặt lịch khám qua điện thoại tiện, không phải chờ lâu.",
    "Khoa phòng sạch sẽ, thủ tục thanh toán bảo hiểm nhanh.",
];
const HEALTH_BAD: &[&str] = &[
    "Thời gian chờ khám quá lâu, từ sáng đến trưa mới đến lượt.",
    "Nhà vệ sinh bẩn, cần dọn thường xuyên hơn.",
    "Chi phí xét nghiệm cao, không được giải thích trước.",
    "Bảo vệ và nhân viên thu ngân nói năng chưa lịch sự.",
    "Khu chờ chật, nhiều người phải đứng.",
];
const HEALTH_IDEAS: &[&str] = &[
    "Nên có thêm ghế ngồi ở khu chờ lấy thuốc.",
    "Đề nghị trả kết quả xét nghiệm qua tin nhắn.",
    "Nên có bảng điện tử báo số thứ tự ở từng phòng khám.",
];
const EDUCATION_GOOD: &[&str] = &[
    "Thầy cô quan tâm đến từng cháu, gia đình rất yên tâm.",
    "Nhà trường liên lạc thường xuyên với phụ huynh qua sổ liên lạc điện tử.",
    "Cháu tiến bộ nhiều, tự tin hơn trong học tập.",
    "Trường sạch đẹp, có nhiều hoạt động ngoại khóa bổ ích.",
];
const EDUCATION_BAD: &[&str] = &[
    "Các khoản thu đầu năm nhiều, chưa công khai rõ ràng.",
    "Nhà vệ sinh của học sinh xuống cấp, thiếu nước.",
    "Sĩ số lớp đông, lớp học nóng vào mùa hè.",
    "Vẫn còn tình trạng gợi ý học thêm.",
    "Cổng trường giờ tan học ùn tắc, không an toàn cho các cháu.",
];
const EDUCATION_IDEAS: &[&str] = &[
    "Nên tổ chức thêm các buổi học kỹ năng sống.",
    "Đề nghị có thêm sân chơi và dụng cụ thể thao.",
    "Mong nhà trường gửi nhận xét học tập hằng tháng.",
];
const ENGLISH_GOOD: &[&str] = &[
    "Friendly staff and a quick process. Thank you.",
    "The online form was easy and the result came on time.",
    "Clear explanations, everything done in one visit.",
];
const ENGLISH_BAD: &[&str] = &[
    "I waited far too long and nobody told me why.",
    "The website kept failing when I uploaded documents.",
    "Staff only spoke Vietnamese; an English guide would help.",
];

/// Mobile prefixes in use in Vietnam.
const MOBILE_PREFIXES: &[&str] =
    &["090", "091", "093", "094", "096", "097", "098", "086", "088", "032", "035", "038", "070", "079", "083", "085"];
const EMAIL_NAMES: &[&str] =
    &["nguyenvanan", "tran.thi.bich", "le.minh.hoang", "pham.thu.ha", "hoangvanduc", "vu.ngoc.lan", "dang.quoc.tuan"];
const EMAIL_DOMAINS: &[&str] = &["gmail.com", "yahoo.com", "outlook.com.vn", "fpt.vn"];

fn digits(rng: &mut Rng, n: usize) -> String {
    (0..n).map(|_| char::from(b'0' + rng.below(10) as u8)).collect()
}

/// A mobile number in one of the ways people write it: `0912 345 678`, `0912345678`,
/// `0912.345.678` or `+84 912 345 678`.
pub fn phone_number(rng: &mut Rng) -> String {
    let prefix = MOBILE_PREFIXES[rng.index(MOBILE_PREFIXES.len())];
    let (a, b, c) = (digits(rng, 1), digits(rng, 3), digits(rng, 3));
    match rng.below(4) {
        0 => format!("{prefix}{a} {b} {c}"),
        1 => format!("{prefix}{a}{b}{c}"),
        2 => format!("{prefix}{a}.{b}.{c}"),
        _ => format!("+84 {}{a} {b} {c}", &prefix[1..]),
    }
}

/// A 12-digit citizen identity (CCCD) number: province 001 (Hà Nội), century-and-sex digit,
/// year of birth, six digits.
pub fn cccd_number(rng: &mut Rng) -> String {
    format!("001{}{}{}", rng.below(4), digits(rng, 2), digits(rng, 6))
}

pub fn email_address(rng: &mut Rng) -> String {
    let name = EMAIL_NAMES[rng.index(EMAIL_NAMES.len())];
    let domain = EMAIL_DOMAINS[rng.index(EMAIL_DOMAINS.len())];
    format!("{name}{}@{domain}", rng.below(100))
}

/// A sentence with personal data in it.
fn personal_data(rng: &mut Rng, locale: Locale) -> String {
    match (rng.below(3), locale) {
        (0, Locale::Vi) => format!("Nếu cần thêm thông tin xin gọi tôi theo số {}.", phone_number(rng)),
        (0, Locale::En) => format!("Please call me on {} if you need more details.", phone_number(rng)),
        (1, Locale::Vi) => format!("Số CCCD của tôi là {}, nhờ kiểm tra giúp hồ sơ.", cccd_number(rng)),
        (1, Locale::En) => format!("My ID number is {}, please check my file.", cccd_number(rng)),
        (_, Locale::Vi) => format!("Xin phản hồi cho tôi qua email {}.", email_address(rng)),
        (_, Locale::En) => format!("Please reply to {}.", email_address(rng)),
    }
}

fn one_of<'a>(rng: &mut Rng, lists: &[&'a [&'a str]]) -> &'a str {
    let total: usize = lists.iter().map(|l| l.len()).sum();
    let mut i = rng.index(total);
    for list in lists {
        if i < list.len() {
            return list[i];
        }
        i -= list.len();
    }
    ""
}

/// A comment of at most `max_chars` characters whose tone follows `overall` (1–5).
pub fn comment(
    rng: &mut Rng,
    family: Family,
    overall: i64,
    channel: Channel,
    locale: Locale,
    max_chars: usize,
) -> String {
    let online = channel == Channel::Online;
    let (good, bad, ideas): (Vec<&[&str]>, Vec<&[&str]>, &[&str]) = match (locale, family) {
        (Locale::En, _) => (vec![ENGLISH_GOOD], vec![ENGLISH_BAD], &[]),
        (Locale::Vi, Family::Health) => (vec![HEALTH_GOOD], vec![HEALTH_BAD], HEALTH_IDEAS),
        (Locale::Vi, Family::Education) => (vec![EDUCATION_GOOD], vec![EDUCATION_BAD], EDUCATION_IDEAS),
        (Locale::Vi, Family::Dossier) if online => {
            (vec![DOSSIER_GOOD, DOSSIER_ONLINE_GOOD], vec![DOSSIER_BAD, DOSSIER_ONLINE_BAD], DOSSIER_IDEAS)
        }
        (Locale::Vi, Family::Dossier) => (vec![DOSSIER_GOOD], vec![DOSSIER_BAD], DOSSIER_IDEAS),
    };
    let mut sentences: Vec<String> = Vec::new();
    let count = 1 + usize::from(rng.chance(0.4)) + usize::from(rng.chance(0.1));
    for _ in 0..count {
        let tone = if overall >= 4 {
            rng.weighted(&[0.75, 0.05, 0.2])
        } else if overall == 3 {
            rng.weighted(&[0.2, 0.45, 0.35])
        } else {
            rng.weighted(&[0.02, 0.8, 0.18])
        };
        let sentence = match tone {
            0 => one_of(rng, &good),
            1 => one_of(rng, &bad),
            _ if ideas.is_empty() => one_of(rng, &good),
            _ => one_of(rng, &[ideas]),
        };
        if !sentences.iter().any(|s| s == sentence) {
            sentences.push(sentence.to_owned());
        }
    }
    if rng.chance(PERSONAL_DATA_SHARE) {
        sentences.push(personal_data(rng, locale));
    }
    let text = sentences.join(" ");
    if text.chars().count() <= max_chars {
        text
    } else {
        text.chars().take(max_chars).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_digits(s: &str) -> String {
        s.chars().filter(char::is_ascii_digit).collect()
    }

    #[test]
    fn personal_data_looks_like_the_real_thing() {
        let mut rng = Rng::new(4);
        for _ in 0..200 {
            let phone = phone_number(&mut rng);
            let d = all_digits(&phone);
            assert!((d.len() == 10 && d.starts_with('0')) || (d.len() == 11 && d.starts_with("84")), "{phone}");
            let cccd = cccd_number(&mut rng);
            assert!(cccd.len() == 12 && cccd.starts_with("001") && all_digits(&cccd) == cccd, "{cccd}");
            let email = email_address(&mut rng);
            let (local, domain) = email.split_once('@').unwrap();
            assert!(!local.is_empty() && domain.contains('.'), "{email}");
        }
    }

    #[test]
    fn comments_follow_the_tone_fit_the_limit_and_sometimes_carry_personal_data() {
        let mut rng = Rng::new(8);
        let mut with_data = 0;
        for i in 0..400 {
            let overall = if i % 2 == 0 { 5 } else { 1 };
            let c = comment(&mut rng, Family::Dossier, overall, Channel::InPerson, Locale::Vi, 1000);
            assert!(!c.is_empty() && c.chars().count() <= 1000);
            if all_digits(&c).len() >= 10 || c.contains('@') {
                with_data += 1;
            }
        }
        assert!((60..=140).contains(&with_data), "{with_data} of 400");
        let short = comment(&mut rng, Family::Health, 2, Channel::InPerson, Locale::Vi, 12);
        assert_eq!(short.chars().count(), 12);
        let english = comment(&mut rng, Family::Education, 5, Channel::Online, Locale::En, 1000);
        assert!(english.is_ascii(), "{english}");
        // A very unhappy citizen mostly complains.
        let mut rng = Rng::new(1);
        let complaints = (0..100)
            .filter(|_| {
                let c = comment(&mut rng, Family::Dossier, 1, Channel::InPerson, Locale::Vi, 1000);
                DOSSIER_BAD.iter().any(|b| c.contains(b))
            })
            .count();
        assert!(complaints > 70, "{complaints}");
    }
}
