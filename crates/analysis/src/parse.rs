//! A reusable parser that switches grammar only when the language changes.

use crate::error::{Error, ErrorCode, Result};
use crate::lang::Lang;
use tree_sitter::{Parser, Tree};

pub struct SourceParser {
    parser: Parser,
    current: Option<Lang>,
}

impl Default for SourceParser {
    fn default() -> Self {
        SourceParser {
            parser: Parser::new(),
            current: None,
        }
    }
}

impl SourceParser {
    /// A parser that gives up on a file after `micros` microseconds.
    pub fn with_timeout(micros: u64) -> Self {
        let mut parser = SourceParser::default();
        parser.parser.set_timeout_micros(micros);
        parser
    }

    pub fn parse(&mut self, lang: Lang, text: &[u8]) -> Result<Tree> {
        if self.current != Some(lang) {
            self.parser.set_language(lang.grammar()).map_err(|e| {
                Error::new(
                    ErrorCode::Io,
                    format!("grammar {} rejected by the runtime: {e}", lang.name()),
                )
            })?;
            self.current = Some(lang);
        }
        self.parser
            .parse(text, None)
            .ok_or_else(|| Error::new(ErrorCode::Io, "the parser gave up (timeout or cancel)"))
    }
}
