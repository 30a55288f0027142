//! Just enough GraphQL to read what clients send the Admin API: one operation (`query`, `mutation`
//! or the `{ … }` shorthand) with variable definitions, fields with aliases, arguments (literals and
//! `$variables`), directives and selection sets. Fragments are refused with an error saying so.
//! Errors carry the line and column, as GraphQL's `locations` do.

use serde_json::{Map, Value};

/// An argument value as written.
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    Variable(String),
    Int(i64),
    Float(String),
    String(String),
    Boolean(bool),
    Null,
    Enum(String),
    List(Vec<Input>),
    Object(Vec<(String, Input)>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Directive {
    pub name: String,
    pub arguments: Vec<(String, Input)>,
}

/// A field of a selection set.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub alias: Option<String>,
    pub name: String,
    pub arguments: Vec<(String, Input)>,
    pub directives: Vec<Directive>,
    pub selection: Vec<Field>,
    pub line: usize,
    pub column: usize,
}

impl Field {
    /// The key of the field in the answer: its alias, else its name.
    pub fn key(&self) -> &str {
        self.alias.as_deref().unwrap_or(&self.name)
    }

    pub fn argument(&self, name: &str) -> Option<&Input> {
        self.arguments
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, it)| it)
    }

    pub fn directive(&self, name: &str) -> Option<&Directive> {
        self.directives.iter().find(|it| it.name == name)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OperationKind {
    Query,
    Mutation,
}

/// `$name: Type` with its default.
#[derive(Clone, Debug, PartialEq)]
pub struct VariableDefinition {
    pub name: String,
    /// The type as written, e.g. `[ID!]!`.
    pub type_name: String,
    pub default: Option<Input>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Operation {
    pub kind: OperationKind,
    pub name: Option<String>,
    pub variables: Vec<VariableDefinition>,
    pub selection: Vec<Field>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
    pub line: usize,
    pub column: usize,
}

/// The value of an argument with the request's variables substituted (a missing variable is null).
pub(crate) fn resolve(input: &Input, variables: &Map<String, Value>) -> Value {
    match input {
        Input::Variable(name) => variables.get(name).cloned().unwrap_or(Value::Null),
        Input::Int(it) => Value::from(*it),
        Input::Float(text) => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        Input::String(it) | Input::Enum(it) => Value::String(it.clone()),
        Input::Boolean(it) => Value::Bool(*it),
        Input::Null => Value::Null,
        Input::List(items) => Value::Array(items.iter().map(|it| resolve(it, variables)).collect()),
        Input::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(key, it)| (key.clone(), resolve(it, variables)))
                .collect(),
        ),
    }
}

/// Every variable an operation's fields use.
pub(crate) fn used_variables(fields: &[Field], out: &mut Vec<String>) {
    fn walk(input: &Input, out: &mut Vec<String>) {
        match input {
            Input::Variable(name) => out.push(name.clone()),
            Input::List(items) => items.iter().for_each(|it| walk(it, out)),
            Input::Object(fields) => fields.iter().for_each(|(_, it)| walk(it, out)),
            Input::Int(_)
            | Input::Float(_)
            | Input::String(_)
            | Input::Boolean(_)
            | Input::Null
            | Input::Enum(_) => {}
        }
    }
    for field in fields {
        field.arguments.iter().for_each(|(_, it)| walk(it, out));
        for directive in &field.directives {
            directive.arguments.iter().for_each(|(_, it)| walk(it, out));
        }
        used_variables(&field.selection, out);
    }
}

/// Parses a document holding one operation.
pub fn parse(text: &str) -> Result<Operation, ParseError> {
    let tokens = lex(text)?;
    let mut parser = Parser { tokens, at: 0 };
    let operation = parser.operation()?;
    match parser.peek() {
        None => Ok(operation),
        Some(token) => Err(token
            .error("This simulator reads one operation per document; found more after the first")),
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Kind {
    Punct(char),
    Spread,
    Name(String),
    Int(i64),
    Float(String),
    Str(String),
}

#[derive(Clone, Debug)]
struct Token {
    kind: Kind,
    line: usize,
    column: usize,
}

impl Token {
    fn error(&self, message: &str) -> ParseError {
        ParseError {
            message: message.to_owned(),
            line: self.line,
            column: self.column,
        }
    }

    fn describe(&self) -> String {
        match &self.kind {
            Kind::Punct(c) => format!("\"{c}\""),
            Kind::Spread => "\"...\"".to_owned(),
            Kind::Name(name) => format!("\"{name}\""),
            Kind::Int(it) => it.to_string(),
            Kind::Float(it) => it.clone(),
            Kind::Str(it) => format!("string {it:?}"),
        }
    }
}

fn lex(text: &str) -> Result<Vec<Token>, ParseError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let (mut i, mut line, mut column) = (0, 1, 1);
    while i < chars.len() {
        let c = chars[i];
        let start = (line, column);
        let token = |kind| Token {
            kind,
            line: start.0,
            column: start.1,
        };
        match c {
            '\n' => {
                i += 1;
                line += 1;
                column = 1;
            }
            ' ' | '\t' | '\r' | ',' | '\u{feff}' => {
                i += 1;
                column += 1;
            }
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '!' | '$' | '(' | ')' | ':' | '=' | '@' | '[' | ']' | '{' | '}' | '|' => {
                tokens.push(token(Kind::Punct(c)));
                i += 1;
                column += 1;
            }
            '.' => {
                if chars.get(i + 1) != Some(&'.') || chars.get(i + 2) != Some(&'.') {
                    return Err(ParseError {
                        message: "Unexpected \".\"".to_owned(),
                        line,
                        column,
                    });
                }
                tokens.push(token(Kind::Spread));
                i += 3;
                column += 3;
            }
            '"' => {
                let mut out = String::new();
                i += 1;
                column += 1;
                loop {
                    let Some(&c) = chars.get(i) else {
                        return Err(ParseError {
                            message: "Unterminated string".to_owned(),
                            line: start.0,
                            column: start.1,
                        });
                    };
                    i += 1;
                    column += 1;
                    match c {
                        '"' => break,
                        '\n' => {
                            return Err(ParseError {
                                message: "Unterminated string".to_owned(),
                                line: start.0,
                                column: start.1,
                            });
                        }
                        '\\' => {
                            let escaped = chars.get(i).copied().unwrap_or('\\');
                            i += 1;
                            column += 1;
                            match escaped {
                                'n' => out.push('\n'),
                                't' => out.push('\t'),
                                'r' => out.push('\r'),
                                'b' => out.push('\u{8}'),
                                'f' => out.push('\u{c}'),
                                'u' => {
                                    let hex: String = chars.iter().skip(i).take(4).collect();
                                    let code = u32::from_str_radix(&hex, 16).ok();
                                    match code.and_then(char::from_u32) {
                                        Some(it) if hex.len() == 4 => out.push(it),
                                        Some(_) | None => {
                                            return Err(ParseError {
                                                message: format!("Bad unicode escape \\u{hex}"),
                                                line,
                                                column,
                                            });
                                        }
                                    }
                                    i += 4;
                                    column += 4;
                                }
                                other => out.push(other),
                            }
                        }
                        other => out.push(other),
                    }
                }
                tokens.push(token(Kind::Str(out)));
            }
            c if c == '-' || c.is_ascii_digit() => {
                let begin = i;
                i += 1;
                while i < chars.len()
                    && (chars[i].is_ascii_digit()
                        || matches!(chars[i], '.' | 'e' | 'E' | '+' | '-'))
                {
                    i += 1;
                }
                let text: String = chars[begin..i].iter().collect();
                column += i - begin;
                let kind = match text.parse::<i64>() {
                    Ok(it) => Kind::Int(it),
                    Err(_) if text.parse::<f64>().is_ok() => Kind::Float(text),
                    Err(_) => {
                        return Err(ParseError {
                            message: format!("Invalid number {text}"),
                            line: start.0,
                            column: start.1,
                        });
                    }
                };
                tokens.push(token(kind));
            }
            c if c == '_' || c.is_ascii_alphabetic() => {
                let begin = i;
                while i < chars.len() && (chars[i] == '_' || chars[i].is_ascii_alphanumeric()) {
                    i += 1;
                }
                column += i - begin;
                tokens.push(token(Kind::Name(chars[begin..i].iter().collect())));
            }
            other => {
                return Err(ParseError {
                    message: format!("Parse error on \"{other}\""),
                    line,
                    column,
                });
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self, wanted: &str) -> Result<Token, ParseError> {
        match self.tokens.get(self.at) {
            Some(token) => {
                self.at += 1;
                Ok(token.clone())
            }
            None => Err(self.end(wanted)),
        }
    }

    fn end(&self, wanted: &str) -> ParseError {
        let (line, column) = self
            .tokens
            .last()
            .map(|it| (it.line, it.column))
            .unwrap_or((1, 1));
        ParseError {
            message: format!("Parse error on end of document (expected {wanted})"),
            line,
            column,
        }
    }

    fn is_punct(&self, c: char) -> bool {
        matches!(self.peek(), Some(Token { kind: Kind::Punct(it), .. }) if *it == c)
    }

    fn punct(&mut self, c: char) -> Result<(), ParseError> {
        let token = self.next(&format!("\"{c}\""))?;
        match token.kind {
            Kind::Punct(it) if it == c => Ok(()),
            _ => Err(token.error(&format!(
                "Parse error on {} (expected \"{c}\")",
                token.describe()
            ))),
        }
    }

    fn name(&mut self) -> Result<(String, Token), ParseError> {
        let token = self.next("a name")?;
        match &token.kind {
            Kind::Name(name) => Ok((name.clone(), token.clone())),
            _ => Err(token.error(&format!(
                "Parse error on {} (expected a name)",
                token.describe()
            ))),
        }
    }

    fn operation(&mut self) -> Result<Operation, ParseError> {
        let Some(first) = self.peek().cloned() else {
            return Err(self.end("an operation"));
        };
        let kind = match &first.kind {
            Kind::Punct('{') => {
                let selection = self.selection_set()?;
                return Ok(Operation {
                    kind: OperationKind::Query,
                    name: None,
                    variables: Vec::new(),
                    selection,
                });
            }
            Kind::Name(it) if it == "query" => OperationKind::Query,
            Kind::Name(it) if it == "mutation" => OperationKind::Mutation,
            Kind::Name(it) if it == "fragment" => {
                return Err(first.error("Fragments are not supported by this simulator"));
            }
            _ => {
                return Err(first.error(&format!(
                    "Parse error on {} (expected query, mutation or {{)",
                    first.describe()
                )));
            }
        };
        self.at += 1;
        let name = match self.peek() {
            Some(Token {
                kind: Kind::Name(_),
                ..
            }) => Some(self.name()?.0),
            _ => None,
        };
        let mut variables = Vec::new();
        if self.is_punct('(') {
            self.punct('(')?;
            while !self.is_punct(')') {
                self.punct('$')?;
                let (name, _) = self.name()?;
                self.punct(':')?;
                let type_name = self.type_name()?;
                let default = match self.is_punct('=') {
                    true => {
                        self.punct('=')?;
                        Some(self.value(true)?)
                    }
                    false => None,
                };
                variables.push(VariableDefinition {
                    name,
                    type_name,
                    default,
                });
            }
            self.punct(')')?;
        }
        let selection = self.selection_set()?;
        Ok(Operation {
            kind,
            name,
            variables,
            selection,
        })
    }

    fn type_name(&mut self) -> Result<String, ParseError> {
        let mut out = match self.is_punct('[') {
            true => {
                self.punct('[')?;
                let inner = self.type_name()?;
                self.punct(']')?;
                format!("[{inner}]")
            }
            false => self.name()?.0,
        };
        if self.is_punct('!') {
            self.punct('!')?;
            out.push('!');
        }
        Ok(out)
    }

    fn selection_set(&mut self) -> Result<Vec<Field>, ParseError> {
        self.punct('{')?;
        let mut fields = Vec::new();
        while !self.is_punct('}') {
            if let Some(token) = self.peek().filter(|it| it.kind == Kind::Spread) {
                return Err(token.error("Fragments are not supported by this simulator"));
            }
            fields.push(self.field()?);
        }
        self.punct('}')?;
        if fields.is_empty() {
            return Err(self.tokens[self.at - 1].error("Parse error on \"}\" (expected a field)"));
        }
        Ok(fields)
    }

    fn field(&mut self) -> Result<Field, ParseError> {
        let (first, token) = self.name()?;
        let (alias, name) = match self.is_punct(':') {
            true => {
                self.punct(':')?;
                (Some(first), self.name()?.0)
            }
            false => (None, first),
        };
        let arguments = self.arguments()?;
        let mut directives = Vec::new();
        while self.is_punct('@') {
            self.punct('@')?;
            let (name, _) = self.name()?;
            directives.push(Directive {
                name,
                arguments: self.arguments()?,
            });
        }
        let selection = match self.is_punct('{') {
            true => self.selection_set()?,
            false => Vec::new(),
        };
        Ok(Field {
            alias,
            name,
            arguments,
            directives,
            selection,
            line: token.line,
            column: token.column,
        })
    }

    fn arguments(&mut self) -> Result<Vec<(String, Input)>, ParseError> {
        let mut out = Vec::new();
        if !self.is_punct('(') {
            return Ok(out);
        }
        self.punct('(')?;
        while !self.is_punct(')') {
            let (name, _) = self.name()?;
            self.punct(':')?;
            out.push((name, self.value(false)?));
        }
        self.punct(')')?;
        Ok(out)
    }

    fn value(&mut self, constant: bool) -> Result<Input, ParseError> {
        let token = self.next("a value")?;
        Ok(match token.kind {
            Kind::Punct('$') if !constant => Input::Variable(self.name()?.0),
            Kind::Int(it) => Input::Int(it),
            Kind::Float(it) => Input::Float(it),
            Kind::Str(it) => Input::String(it),
            Kind::Name(name) => match name.as_str() {
                "true" => Input::Boolean(true),
                "false" => Input::Boolean(false),
                "null" => Input::Null,
                _ => Input::Enum(name),
            },
            Kind::Punct('[') => {
                let mut items = Vec::new();
                while !self.is_punct(']') {
                    items.push(self.value(constant)?);
                }
                self.punct(']')?;
                Input::List(items)
            }
            Kind::Punct('{') => {
                let mut fields = Vec::new();
                while !self.is_punct('}') {
                    let (name, _) = self.name()?;
                    self.punct(':')?;
                    fields.push((name, self.value(constant)?));
                }
                self.punct('}')?;
                Input::Object(fields)
            }
            Kind::Punct(_) | Kind::Spread => {
                return Err(token.error(&format!(
                    "Parse error on {} (expected a value)",
                    token.describe()
                )));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::shopify::graphql::{Input, OperationKind, parse, resolve};

    #[test]
    fn an_operation_with_variables_aliases_and_directives() {
        let op = parse(
            "mutation Set($input: InventorySetQuantitiesInput!, $key: String!) {\n  \
             a: inventorySetQuantities(input: $input) @idempotent(key: $key) { userErrors { code } }\n}",
        )
        .unwrap();
        assert_eq!(op.kind, OperationKind::Mutation);
        assert_eq!(op.name.as_deref(), Some("Set"));
        assert_eq!(op.variables[0].type_name, "InventorySetQuantitiesInput!");
        let field = &op.selection[0];
        assert_eq!(
            (field.key(), field.name.as_str()),
            ("a", "inventorySetQuantities")
        );
        assert_eq!((field.line, field.column), (2, 3));
        let key = &field.directive("idempotent").unwrap().arguments[0].1;
        assert_eq!(key, &Input::Variable("key".to_owned()));
        let vars = json!({ "key": "k1" });
        assert_eq!(resolve(key, vars.as_object().unwrap()), json!("k1"));
        assert_eq!(field.selection[0].selection[0].name, "code");
    }

    #[test]
    fn literals_and_the_shorthand() {
        let op = parse(r#"{ orders(first: 2, query: "updated_at:>'2024-06-18T00:00:00Z'", sortKey: UPDATED_AT, reverse: false) { nodes { id } } }"#).unwrap();
        assert_eq!(op.kind, OperationKind::Query);
        let orders = &op.selection[0];
        assert_eq!(orders.argument("first"), Some(&Input::Int(2)));
        assert_eq!(
            orders.argument("sortKey"),
            Some(&Input::Enum("UPDATED_AT".to_owned()))
        );
        assert_eq!(orders.argument("reverse"), Some(&Input::Boolean(false)));
    }

    #[test]
    fn mistakes_are_located() {
        let err = parse("query {\n  orders(first: 2) { nodes { id }\n}").unwrap_err();
        assert!(
            err.message.starts_with("Parse error on end of document"),
            "{err:?}"
        );
        let err = parse("query { order(id: \"x\") { ...F } }").unwrap_err();
        assert_eq!((err.line, err.column), (1, 26));
        assert!(parse("query { a } query { b }").is_err());
        assert!(parse("{ }").is_err());
    }
}
