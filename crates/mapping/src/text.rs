//! Text clean-up before matching: full-width to half-width, separators out, phone numbers set aside.

/// The address text reduced to what names can match in, plus the phone numbers found in it.
#[derive(Debug, Default)]
pub(crate) struct Cleaned {
    pub(crate) text: String,
    pub(crate) phones: Vec<String>,
}

/// Full-width ASCII (U+FF01–U+FF5E) and the ideographic space become their ASCII forms.
pub(crate) fn half_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            ',' | '，'
                | '、'
                | ';'
                | '；'
                | '/'
                | '|'
                | '-'
                | '—'
                | '_'
                | ':'
                | '：'
                | '"'
                | '\''
                | '“'
                | '”'
        )
}

/// Removes separators and collects phone numbers (mobile `1xxxxxxxxxx`, landline `0xx(x)-xxxxxxx(x)`).
pub(crate) fn clean(raw: &str) -> Cleaned {
    let chars: Vec<char> = raw.chars().map(half_width).collect();
    let mut out = Cleaned::default();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() || c == '+' {
            // A run of digits possibly broken by dashes and spaces: a phone number or a house number.
            let mut j = i;
            let mut digits = String::new();
            while j < chars.len()
                && (chars[j].is_ascii_digit()
                    || (matches!(chars[j], '-' | ' ' | '+')
                        && !digits.is_empty()
                        && j + 1 < chars.len()
                        && chars[j + 1].is_ascii_digit())
                    || (chars[j] == '+' && digits.is_empty()))
            {
                if chars[j].is_ascii_digit() {
                    digits.push(chars[j]);
                }
                j += 1;
            }
            let national = digits
                .strip_prefix("86")
                .filter(|it| it.len() == 11 && it.starts_with('1'))
                .unwrap_or(&digits);
            let mobile = national.len() == 11 && national.starts_with('1');
            let landline = national.starts_with('0') && (10..=12).contains(&national.len());
            if mobile || landline {
                out.phones.push(national.to_owned());
                i = j;
                continue;
            }
            out.text
                .extend(chars[i..j].iter().filter(|it| it.is_ascii_digit()));
            i = j;
            continue;
        }
        if !is_separator(c) {
            out.text.push(c);
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::text::clean;

    #[test]
    fn phones_and_separators_are_set_aside() {
        let it = clean("张伟 138-0000-1234，浙江省　杭州市 西湖区 文三路１２３号");
        assert_eq!(it.text, "张伟浙江省杭州市西湖区文三路123号");
        assert_eq!(it.phones, ["13800001234"]);
        let it = clean("+86 13900001111 上海市闵行区 0431-85551234");
        assert_eq!(it.phones, ["13900001111", "043185551234"]);
        assert_eq!(it.text, "上海市闵行区");
    }
}
