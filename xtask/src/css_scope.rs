//! CSS isolation, checked rather than hoped for: every selector in an MFE's stylesheets must
//! stay inside the element the MFE renders at its root (class `.<name>`, e.g. `.catalog`),
//! so no MFE restyles the shell or another MFE. What every MFE shares (buttons, visually
//! hidden text, the design tokens) lives once in `shell/shell.css`.
//!
//! A small scanner, not a CSS parser: it knows comments, strings, blocks, selector lists,
//! the at-rules that group rules (`@media`, `@supports`, `@container`, `@layer`) and those
//! whose bodies hold no selectors (`@keyframes`, `@font-face`, ...).

use std::fmt;

/// A selector as written in a stylesheet, with the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    pub text: String,
    pub line: usize,
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: `{}`", self.line, self.text)
    }
}

/// A stylesheet the scanner cannot vouch for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ScanError {}

/// At-rules whose block holds rules with selectors.
const GROUPING: &[&str] = &["media", "supports", "container", "layer", "document"];
/// At-rules whose block holds no selectors (keyframe offsets, descriptors).
const OPAQUE: &[&str] = &[
    "keyframes",
    "-webkit-keyframes",
    "font-face",
    "font-feature-values",
    "font-palette-values",
    "counter-style",
    "property",
    "page",
];

/// The selectors of `root`-scoped stylesheet `css` that are not inside `.root`
/// (see [`is_scoped`]).
pub fn unscoped(css: &str, root: &str) -> Result<Vec<Selector>, ScanError> {
    Ok(selectors(css)?
        .into_iter()
        .filter(|selector| !is_scoped(&selector.text, root))
        .collect())
}

/// Every selector of every style rule in `css`, at any depth of `@media`-like nesting;
/// a selector list gives one entry per selector.
pub fn selectors(css: &str) -> Result<Vec<Selector>, ScanError> {
    let mut scanner = Scanner::new(css);
    let mut found = Vec::new();
    // How many grouping at-rules (`@media {`) are open.
    let mut depth = 0;
    loop {
        scanner.skip_space_and_comments()?;
        let line = scanner.line;
        match scanner.peek() {
            None if depth == 0 => return Ok(found),
            None => return Err(scanner.error("a block is never closed")),
            Some('}') if depth > 0 => {
                scanner.bump();
                depth -= 1;
            }
            Some('}') => return Err(scanner.error("a `}` closes nothing")),
            Some('@') => {
                let (prelude, end) = scanner.prelude()?;
                let name = prelude[1..]
                    .split(|c: char| c.is_whitespace() || c == '(' || c == '{')
                    .next()
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                match end {
                    // `@charset "utf-8";`, `@layer a, b;` — nothing to check. An `@import`
                    // brings rules this scan cannot see.
                    ';' if name == "import" => {
                        return Err(ScanError {
                            line,
                            message: "`@import` brings in rules that cannot be checked".into(),
                        })
                    }
                    ';' => {}
                    _ if GROUPING.contains(&name.as_str()) => depth += 1,
                    _ if OPAQUE.contains(&name.as_str()) => scanner.skip_block()?,
                    _ => {
                        return Err(ScanError {
                            line,
                            message: format!("unknown at-rule `@{name}`"),
                        })
                    }
                }
            }
            Some(_) => {
                let (prelude, end) = scanner.prelude()?;
                if end != '{' {
                    return Err(ScanError {
                        line,
                        message: format!("`{}` is not followed by a block", prelude.trim()),
                    });
                }
                for text in split_top_level(&prelude, ',') {
                    found.push(Selector {
                        text: collapse_space(&text),
                        line,
                    });
                }
                // Declarations, and nested rules, which are relative to this selector.
                scanner.skip_block()?;
            }
        }
    }
}

/// Whether `selector` only matches inside an element of class `root` (or that element):
/// some compound selector of it carries `.root` (not just inside `:not(...)` or
/// `:is(...)`), and the combinator after the last such compound, if any, leads into it
/// (descendant or child). So `.catalog`, `.catalog:hover`, `.catalog .x`, `.catalog > a`,
/// `.catalog li + li` and `main .catalog p` are scoped; `a`, `body .x`, `.catalog + p`
/// and `:not(.catalog) a` are not.
pub fn is_scoped(selector: &str, root: &str) -> bool {
    let (compounds, combinators) = compounds(selector);
    let Some(last_root) = compounds
        .iter()
        .rposition(|compound| has_class(compound, root))
    else {
        return false;
    };
    // Once inside the root, siblings of what is inside are inside too.
    matches!(combinators.get(last_root), None | Some(' ' | '>'))
}

/// Splits a selector into its compound selectors and the combinators between them
/// (`' '` for a descendant).
fn compounds(selector: &str) -> (Vec<String>, Vec<char>) {
    let mut compounds = vec![String::new()];
    let mut combinators = Vec::new();
    let mut pending: Option<char> = None;
    let mut nesting = 0_usize;
    let mut quote: Option<char> = None;
    let mut chars = selector.trim().chars().peekable();
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            push(&mut compounds, c);
            if c == '\\' {
                if let Some(escaped) = chars.next() {
                    push(&mut compounds, escaped);
                }
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '(' | '[' => nesting += 1,
            ')' | ']' => nesting = nesting.saturating_sub(1),
            _ => {}
        }
        if nesting == 0 && (c.is_whitespace() || matches!(c, '>' | '+' | '~')) {
            // A run of spaces around an explicit combinator is that combinator.
            let explicit = if c.is_whitespace() { None } else { Some(c) };
            pending = match (pending, explicit) {
                (Some(p), None) => Some(p),
                (Some(' ') | None, Some(e)) => Some(e),
                (Some(p), Some(_)) => Some(p),
                (None, None) => Some(' '),
            };
            continue;
        }
        if let Some(combinator) = pending.take() {
            combinators.push(combinator);
            compounds.push(String::new());
        }
        push(&mut compounds, c);
        if c == '\\' {
            if let Some(escaped) = chars.next() {
                push(&mut compounds, escaped);
            }
        }
    }
    (compounds, combinators)
}

fn push(compounds: &mut [String], c: char) {
    if let Some(last) = compounds.last_mut() {
        last.push(c);
    }
}

/// Whether compound selector `compound` has class `class` itself (outside parentheses,
/// brackets and strings).
fn has_class(compound: &str, class: &str) -> bool {
    let bytes = compound.as_bytes();
    let mut nesting = 0_usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'(' | b'[' => nesting += 1,
            b')' | b']' => nesting = nesting.saturating_sub(1),
            b'\\' => i += 1,
            b'.' if nesting == 0 => {
                let name: String = compound[i + 1..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || matches!(c, '-' | '_'))
                    .collect();
                if name == class {
                    return true;
                }
            }
            _ => {}
        }
        i += 1;
    }
    false
}

/// Splits `text` at `separator`s outside parentheses, brackets and strings.
fn split_top_level(text: &str, separator: char) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut nesting = 0_usize;
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '"' | '\'' => quote = Some(c),
                '(' | '[' => nesting += 1,
                ')' | ']' => nesting = nesting.saturating_sub(1),
                _ if c == separator && nesting == 0 => {
                    parts.push(String::new());
                    continue;
                }
                _ => {}
            },
        }
        if let Some(part) = parts.last_mut() {
            part.push(c);
        }
    }
    parts
}

fn collapse_space(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A cursor over the stylesheet that steps over comments and strings.
struct Scanner<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: usize,
}

impl<'a> Scanner<'a> {
    fn new(css: &'a str) -> Self {
        Self {
            chars: css.chars().peekable(),
            line: 1,
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.chars.peek().copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn error(&self, message: &str) -> ScanError {
        ScanError {
            line: self.line,
            message: message.into(),
        }
    }

    /// Steps over a comment whose `/` is next; false if the next `/` starts none.
    fn skip_comment(&mut self) -> Result<bool, ScanError> {
        let mut ahead = self.chars.clone();
        if ahead.next() != Some('/') || ahead.next() != Some('*') {
            return Ok(false);
        }
        let line = self.line;
        self.bump();
        self.bump();
        let mut star = false;
        while let Some(c) = self.bump() {
            if star && c == '/' {
                return Ok(true);
            }
            star = c == '*';
        }
        Err(ScanError {
            line,
            message: "a comment is never closed".into(),
        })
    }

    fn skip_space_and_comments(&mut self) -> Result<(), ScanError> {
        loop {
            match self.peek() {
                Some(c) if c.is_whitespace() => {
                    self.bump();
                }
                Some('/') if self.skip_comment()? => {}
                _ => return Ok(()),
            }
        }
    }

    /// Copies a quoted string whose opening quote is next into `out`.
    fn string(&mut self, out: &mut String) -> Result<(), ScanError> {
        let line = self.line;
        let Some(quote) = self.bump() else {
            return Ok(());
        };
        out.push(quote);
        while let Some(c) = self.bump() {
            out.push(c);
            if c == '\\' {
                if let Some(escaped) = self.bump() {
                    out.push(escaped);
                }
            } else if c == quote {
                return Ok(());
            } else if c == '\n' {
                break;
            }
        }
        Err(ScanError {
            line,
            message: "a string is never closed".into(),
        })
    }

    /// Reads up to (and consumes) the `{` or `;` that ends a rule's prelude, without its
    /// comments; returns the prelude and which of the two ended it.
    fn prelude(&mut self) -> Result<(String, char), ScanError> {
        let line = self.line;
        let mut text = String::new();
        let mut nesting = 0_usize;
        while let Some(c) = self.peek() {
            match c {
                '/' if self.skip_comment()? => {
                    text.push(' ');
                    continue;
                }
                '"' | '\'' => {
                    self.string(&mut text)?;
                    continue;
                }
                '(' | '[' => nesting += 1,
                ')' | ']' => nesting = nesting.saturating_sub(1),
                '{' | ';' if nesting == 0 => {
                    self.bump();
                    return Ok((text, c));
                }
                '}' if nesting == 0 => {
                    return Err(ScanError {
                        line,
                        message: format!("`{}` has no block", text.trim()),
                    })
                }
                _ => {}
            }
            self.bump();
            text.push(c);
        }
        Err(ScanError {
            line,
            message: format!("`{}` is never finished", text.trim()),
        })
    }

    /// Steps over the rest of a block whose `{` was just read, nested blocks included.
    fn skip_block(&mut self) -> Result<(), ScanError> {
        let line = self.line;
        let mut depth = 1;
        while let Some(c) = self.peek() {
            match c {
                '/' if self.skip_comment()? => continue,
                '"' | '\'' => {
                    self.string(&mut String::new())?;
                    continue;
                }
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        self.bump();
                        return Ok(());
                    }
                }
                _ => {}
            }
            self.bump();
        }
        Err(ScanError {
            line,
            message: "a block is never closed".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::Descriptor;

    fn unscoped_texts(css: &str) -> Vec<String> {
        unscoped(css, "catalog")
            .unwrap()
            .into_iter()
            .map(|selector| selector.text)
            .collect()
    }

    #[test]
    fn an_element_selector_escapes_the_mfe() {
        assert_eq!(unscoped_texts("body { margin: 0 }"), vec!["body"]);
    }

    #[test]
    fn each_selector_of_a_list_is_checked() {
        assert_eq!(unscoped_texts(".catalog a, a { color: red }"), vec!["a"]);
    }

    #[test]
    fn rules_inside_media_and_supports_are_checked() {
        assert_eq!(
            unscoped_texts("@media (max-width: 720px) { .x { display: none } }"),
            vec![".x"]
        );
        assert_eq!(
            unscoped_texts("@supports (display: grid) { @media print { .catalog .grid {} p {} } }"),
            vec!["p"]
        );
    }

    #[test]
    fn selectors_inside_the_root_class_are_accepted() {
        let css = "
            .catalog { padding: 8px }
            .catalog .x { color: red }
            .catalog:hover, .catalog > a, .catalog *::before {}
            .catalog .search input[type=\"search\"] {}
            .catalog.is-home .title {}
        ";
        assert_eq!(unscoped_texts(css), Vec::<String>::new());
    }

    #[test]
    fn keyframe_offsets_are_not_selectors() {
        let css = "@keyframes catalog-shimmer { 0% { opacity: 0 } to { opacity: 1 } }
                   @-webkit-keyframes spin { from {} to {} }";
        assert_eq!(selectors(css).unwrap(), vec![]);
    }

    #[test]
    fn comments_and_strings_do_not_confuse_the_scan() {
        let css = "/* body { } , a { } */ .catalog .a::after { content: \"}\" }
                   .catalog /* a note, with a comma */ .b {}";
        assert_eq!(
            selectors(css).unwrap(),
            vec![
                Selector {
                    text: ".catalog .a::after".into(),
                    line: 1
                },
                Selector {
                    text: ".catalog .b".into(),
                    line: 2
                },
            ]
        );
    }

    #[test]
    fn a_similar_class_or_a_negation_is_not_the_root() {
        assert_eq!(
            unscoped_texts(".catalogue .x {} :not(.catalog) a {} :is(.catalog, .x) b {}"),
            vec![".catalogue .x", ":not(.catalog) a", ":is(.catalog, .x) b"]
        );
    }

    #[test]
    fn a_sibling_of_the_root_is_outside_it() {
        assert_eq!(
            unscoped_texts(
                ".catalog + p {} .catalog ~ .x {} main .catalog p {} .catalog li + li {}"
            ),
            vec![".catalog + p", ".catalog ~ .x"]
        );
    }

    #[test]
    fn broken_stylesheets_are_refused() {
        assert!(selectors(".catalog { color: red").is_err());
        assert!(selectors("/* never closed").is_err());
        assert!(selectors("@import url(other.css);").is_err());
        assert!(selectors("@scope (.catalog) { a {} }").is_err());
    }

    /// Every MFE (one per built slice): each stylesheet its `mfe.json` lists styles only
    /// inside `.<name>`.
    #[test]
    fn every_mfe_stylesheet_stays_inside_its_root_class() {
        let mut problems = Vec::new();
        let mut checked = 0;
        for name in crate::mfe::names().unwrap() {
            for file in Descriptor::read(&name).unwrap().css {
                let path = crate::mfe::source_dir(&name).join(&file);
                let css = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                match unscoped(&css, &name) {
                    Ok(selectors) => problems.extend(selectors.into_iter().map(|selector| {
                        format!("frontends/{name}/{file} {selector} is not inside .{name}")
                    })),
                    Err(error) => problems.push(format!("frontends/{name}/{file} {error}")),
                }
                checked += 1;
            }
        }
        assert!(checked > 0, "no MFE stylesheet found");
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}
