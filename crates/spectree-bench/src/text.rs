//! Generated text: a seeded pseudo-random generator, an invented English-like vocabulary
//! with Zipf word frequencies, and the titles, descriptions and criteria made from it.

use serde_json::{Value, json};

/// A small seeded generator (xorshift64*): the same seed makes the same project.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed (any value; zero is remapped).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
}

const ONSETS: &[&str] = &[
    "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "br",
    "cr", "dr", "fr", "gr", "pr", "tr", "st", "sp", "sl", "pl", "cl", "bl", "ch", "sh", "th", "qu",
    "",
];
const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "ai", "ea", "ou", "io", "y"];
const CODAS: &[&str] = &[
    "", "", "n", "r", "s", "t", "l", "m", "nd", "st", "rk", "ng", "x",
];

/// Invented English-like words, ranked: word `r` is used with weight `1 / (r + 1)` (Zipf), so
/// a few words are in nearly every item and most are rare.
pub struct Vocabulary {
    words: Vec<String>,
    cumulative: Vec<f64>,
}

impl Vocabulary {
    /// `size` distinct words of 3 to 12 letters.
    pub fn new(size: usize, rng: &mut Rng) -> Vocabulary {
        let mut words: Vec<String> = Vec::with_capacity(size);
        let mut seen = std::collections::HashSet::new();
        while words.len() < size {
            let syllables = rng.range(1, 3);
            let mut w = String::new();
            for _ in 0..syllables {
                w.push_str(ONSETS[rng.below(ONSETS.len())]);
                w.push_str(VOWELS[rng.below(VOWELS.len())]);
                w.push_str(CODAS[rng.below(CODAS.len())]);
            }
            if (3..=12).contains(&w.len()) && seen.insert(w.clone()) {
                words.push(w);
            }
        }
        let mut total = 0.0;
        let cumulative = (0..size)
            .map(|r| {
                total += 1.0 / (r as f64 + 1.0);
                total
            })
            .collect();
        Vocabulary { words, cumulative }
    }

    /// How many words.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// The word of rank `r` (0 is the most common).
    pub fn word(&self, r: usize) -> &str {
        &self.words[r]
    }

    /// A word drawn by its Zipf weight.
    pub fn draw(&self, rng: &mut Rng) -> &str {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let x = rng.unit() * total;
        let r = self.cumulative.partition_point(|&c| c <= x);
        &self.words[r.min(self.words.len() - 1)]
    }

    fn words(&self, rng: &mut Rng, n: usize) -> String {
        let mut s = String::new();
        for i in 0..n {
            if i > 0 {
                s.push(' ');
            }
            s.push_str(self.draw(rng));
        }
        s
    }

    /// A title of 3 to 6 words, the first capitalized.
    pub fn title(&self, rng: &mut Rng) -> String {
        let n = rng.range(3, 6);
        capitalize(&self.words(rng, n))
    }

    /// Two paragraphs of sentences, `bytes` long or a few bytes more.
    pub fn description(&self, rng: &mut Rng, bytes: usize) -> String {
        let mut s = String::with_capacity(bytes + 64);
        let mut in_sentence = 0;
        let mut sentence_len = rng.range(6, 14);
        while s.len() < bytes {
            let w = self.draw(rng);
            if in_sentence == 0 {
                if !s.is_empty() {
                    s.push_str(if s.len() > bytes / 2 && !s.contains('\n') {
                        "\n\n"
                    } else {
                        " "
                    });
                }
                s.push_str(&capitalize(w));
            } else {
                s.push(' ');
                s.push_str(w);
            }
            in_sentence += 1;
            if in_sentence == sentence_len {
                s.push('.');
                in_sentence = 0;
                sentence_len = rng.range(6, 14);
            }
        }
        if in_sentence > 0 {
            s.push('.');
        }
        s
    }

    /// An acceptance criterion in the given/when/then form.
    pub fn criterion(&self, rng: &mut Rng) -> String {
        let (a, b, c) = (rng.range(2, 3), rng.range(2, 4), rng.range(2, 4));
        format!(
            "Given {}, when {}, then {}.",
            self.words(rng, a),
            self.words(rng, b),
            self.words(rng, c)
        )
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Bytes of each description.
pub const DESCRIPTION_BYTES: usize = 500;
/// Criteria of each item.
pub const CRITERIA: usize = 3;

/// A new item as the API takes it, with a ~500-byte description and three criteria.
pub fn item_body(
    vocab: &Vocabulary,
    rng: &mut Rng,
    item_type: &str,
    parent_id: Option<&str>,
) -> Value {
    let criteria: Vec<Value> = (0..CRITERIA)
        .map(|_| json!({ "text": vocab.criterion(rng) }))
        .collect();
    let mut v = json!({
        "type": item_type,
        "title": vocab.title(rng),
        "description": vocab.description(rng, DESCRIPTION_BYTES),
        "acceptance_criteria": criteria,
    });
    if let (Some(p), Some(obj)) = (parent_id, v.as_object_mut()) {
        obj.insert("parent_id".to_owned(), Value::String(p.to_owned()));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_makes_the_same_text() {
        let v1 = Vocabulary::new(2000, &mut Rng::new(7));
        let v2 = Vocabulary::new(2000, &mut Rng::new(7));
        let (mut a, mut b) = (Rng::new(1), Rng::new(1));
        assert_eq!(v1.description(&mut a, 500), v2.description(&mut b, 500));
    }

    #[test]
    fn descriptions_are_about_the_asked_size() {
        let v = Vocabulary::new(2000, &mut Rng::new(7));
        let mut rng = Rng::new(3);
        for _ in 0..100 {
            let d = v.description(&mut rng, 500);
            assert!((500..530).contains(&d.len()), "{}", d.len());
        }
    }

    #[test]
    fn common_words_are_drawn_far_more_often_than_rare_ones() {
        let v = Vocabulary::new(2000, &mut Rng::new(7));
        let mut rng = Rng::new(5);
        let draws: Vec<String> = (0..100_000).map(|_| v.draw(&mut rng).to_owned()).collect();
        let count = |w: &str| draws.iter().filter(|d| d.as_str() == w).count();
        assert!(count(v.word(0)) > 100 * count(v.word(1999)).max(1));
        assert_eq!(v.len(), 2000);
    }
}
