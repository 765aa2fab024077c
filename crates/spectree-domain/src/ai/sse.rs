//! Reading an OpenAI-compatible streamed chat completion: Server-Sent Events whose `data:`
//! lines carry JSON chunks with `choices[0].delta.content`, ending with `data: [DONE]`.
//! Bytes arrive in arbitrary pieces, so the reader keeps the unfinished line.

/// What one event of the stream said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SseEvent {
    /// A piece of generated text.
    Token(String),
    /// The end of the answer.
    Done,
    /// The provider reported an error inside the stream.
    Error(String),
}

/// Turns the bytes of a streamed answer into events.
#[derive(Debug, Default)]
pub struct SseReader {
    buf: Vec<u8>,
}

impl SseReader {
    /// Feeds a piece of the body; returns the events completed by it. A line that is not
    /// valid JSON of the expected shape is an error event.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<SseEvent> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        while let Some(nl) = self.buf.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.buf.drain(..=nl).collect();
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\n', '\r']);
            if let Some(ev) = parse_line(line) {
                out.push(ev);
            }
        }
        out
    }
}

fn parse_line(line: &str) -> Option<SseEvent> {
    let data = line.strip_prefix("data:")?.trim_start();
    if data == "[DONE]" {
        return Some(SseEvent::Done);
    }
    let v: serde_json::Value = match serde_json::from_str(data) {
        Ok(v) => v,
        Err(_) => {
            return Some(SseEvent::Error(
                "the provider sent a malformed chunk".into(),
            ));
        }
    };
    if let Some(e) = v.get("error") {
        let msg = e
            .get("message")
            .and_then(|m| m.as_str())
            .unwrap_or("the provider reported an error");
        return Some(SseEvent::Error(msg.to_owned()));
    }
    let content = v
        .get("choices")
        .and_then(|c| c.get(0))
        .and_then(|c| c.get("delta"))
        .and_then(|d| d.get("content"))
        .and_then(|c| c.as_str());
    content
        .filter(|c| !c.is_empty())
        .map(|c| SseEvent::Token(c.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_split_anywhere_give_the_same_tokens() {
        let body = "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n\
                    data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n\
                    : keep-alive\n\
                    data: {\"choices\":[{\"delta\":{\"content\":\"lo \\u00e9\"}}]}\r\n\r\n\
                    data: [DONE]\n\n";
        let whole = SseReader::default().feed(body.as_bytes());
        assert_eq!(
            whole,
            vec![
                SseEvent::Token("Hel".into()),
                SseEvent::Token("lo é".into()),
                SseEvent::Done
            ]
        );
        for cut in 1..body.len() {
            let mut r = SseReader::default();
            let mut got = r.feed(&body.as_bytes()[..cut]);
            got.extend(r.feed(&body.as_bytes()[cut..]));
            assert_eq!(got, whole, "cut at {cut}");
        }
    }

    #[test]
    fn errors_in_the_stream_are_reported() {
        let mut r = SseReader::default();
        assert_eq!(
            r.feed(b"data: {\"error\":{\"message\":\"quota\"}}\n"),
            vec![SseEvent::Error("quota".into())]
        );
        assert_eq!(
            r.feed(b"data: nonsense\n"),
            vec![SseEvent::Error(
                "the provider sent a malformed chunk".into()
            )]
        );
    }
}
