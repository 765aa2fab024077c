//! Reaction emoji: one short emoji sequence (skin tones, ZWJ families, flags and keycaps
//! included), checked by code point ranges rather than a full emoji table.

use super::DiscussionRuleError;

/// Most bytes a reaction may take (the longest ZWJ families are about 25).
const MAX_EMOJI_BYTES: usize = 32;

fn pictographic(c: char) -> bool {
    matches!(c as u32,
        0x1F000..=0x1FAFF // pictographs, emoticons, transport, flags (regional indicators)
        | 0x2190..=0x2BFF // arrows, technical, dingbats, symbols
        | 0x3030 | 0x303D | 0x3297 | 0x3299 | 0x00A9 | 0x00AE | 0x2122 | 0x2139)
}

fn joiner(c: char) -> bool {
    matches!(
        c as u32,
        0x200D // zero width joiner
        | 0xFE0E | 0xFE0F // variation selectors
        | 0x20E3 // combining keycap
        | 0xE0020..=0xE007F
    ) // tag sequences (subdivision flags)
}

/// Checks that `s` is one emoji: at most [`MAX_EMOJI_BYTES`], at least one pictograph, and
/// otherwise only joiners, variation selectors and (for keycaps) `0-9#*`.
pub fn validate_emoji(s: &str) -> Result<(), DiscussionRuleError> {
    let keycap = s.contains('\u{20E3}');
    let ok = !s.is_empty()
        && s.len() <= MAX_EMOJI_BYTES
        && (s.chars().any(pictographic) || keycap)
        && s.chars().all(|c| {
            pictographic(c) || joiner(c) || (keycap && (c.is_ascii_digit() || c == '#' || c == '*'))
        });
    if ok {
        Ok(())
    } else {
        Err(DiscussionRuleError::InvalidEmoji)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emoji_sequences_pass_and_text_does_not() {
        for ok in ["👍", "👍🏽", "❤️", "🎉", "👩‍👩‍👧‍👦", "🇫🇷", "1️⃣", "✅"]
        {
            assert!(validate_emoji(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "a",
            ":+1:",
            "👍 ",
            "<script>",
            "1",
            "👍👍👍👍👍👍👍👍👍",
        ] {
            assert!(validate_emoji(bad).is_err(), "{bad}");
        }
    }
}
