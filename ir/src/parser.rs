//! The IR text parser: the inverse of the printer in [`crate::display`].
//!
//! The format is defined by the printer; see the example in
//! [`crate::display`]. The parser keeps the numbers written in the text:
//! `v7` becomes `Value(7)` and `block3` becomes `Block(3)`. Values and blocks
//! are created up to the largest number mentioned, so numbering gaps stay
//! gaps. The layout is the order in which block headers appear.
//!
//! A value's type is learned from its definitions: the instruction's type
//! suffix (`iconst.i32`, `iadd.i64`, `copy.f32`, ...), the type written after
//! a block parameter (`v0: i32`) or a call result (`v5: i32`), `i32` for
//! `icmp`/`fcmp`, `i64` for `vmctx`, and the load operation's result type for
//! loads. A value that is used but never defined is an error, as are two
//! definitions with different types. Values never mentioned get type `i32`.
//!
//! Comments run from `;` to the end of the line. Source locations are not part
//! of the text: parsed instructions get source location 0, and blocks get loop
//! depth 0.
//!
//! The parser is syntactic: it checks that every operand is well-formed and
//! typed, not that the function is valid. Run [`crate::verifier::verify`] for
//! that. The property it maintains is `print(parse(print(f))) == print(f)`.

use std::fmt;

use crate::display::{
    binary_from_name, floatcc_from_name, intcc_from_name, load_from_name, store_from_name,
    trapcode_from_name, unary_from_name,
};
use crate::{AddrSpace, Block, BlockCall, CallKind, Function, InstData, Type, Value, ValueList};

/// The largest value or block number the parser accepts (it allocates one
/// entry per number up to the largest mentioned).
pub const MAX_ENTITY_NUMBER: u32 = 1 << 24;

/// A syntax or typing error, with the 1-based line it was found on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// The 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Parses exactly one function (comments and blank lines may surround it).
pub fn parse_function(text: &str) -> Result<Function, ParseError> {
    let mut funcs = parse_functions(text)?;
    match funcs.len() {
        1 => Ok(funcs.pop().expect("one function")),
        0 => Err(ParseError {
            line: text.lines().count().max(1),
            message: "expected a function, found none".into(),
        }),
        n => Err(ParseError {
            line: 1,
            message: format!("expected one function, found {n}"),
        }),
    }
}

/// Parses a sequence of functions.
pub fn parse_functions(text: &str) -> Result<Vec<Function>, ParseError> {
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l)).peekable();
    let mut out = Vec::new();
    while let Some((line_no, line)) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("function") {
            let mut p = FuncParser::new(line_no, trimmed)?;
            let mut closed = false;
            for (n, l) in lines.by_ref() {
                if p.line(n, l)? {
                    closed = true;
                    break;
                }
            }
            if !closed {
                return Err(ParseError {
                    line: text.lines().count().max(1),
                    message: format!("function %{} is not closed by `}}`", p.func.name),
                });
            }
            out.push(p.finish()?);
        } else {
            let rest = strip_comment(trimmed).trim();
            if !rest.is_empty() {
                return Err(ParseError {
                    line: line_no,
                    message: format!("expected `function`, found `{rest}`"),
                });
            }
        }
    }
    Ok(out)
}

fn strip_comment(line: &str) -> &str {
    match line.find(';') {
        Some(i) => &line[..i],
        None => line,
    }
}

// ---- tokens ----------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok<'a> {
    Word(&'a str),
    Punct(char),
    Arrow,
}

impl fmt::Display for Tok<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Word(w) => f.write_str(w),
            Tok::Punct(c) => write!(f, "{c}"),
            Tok::Arrow => f.write_str("->"),
        }
    }
}

const PUNCT: &[char] = &['=', ',', '(', ')', '[', ']', ':', '+', '{', '}'];

fn tokenize(s: &str) -> Vec<Tok<'_>> {
    let mut toks = Vec::new();
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < s.len() {
        let c = bytes[i] as char;
        if c.is_ascii_whitespace() {
            i += 1;
        } else if PUNCT.contains(&c) {
            toks.push(Tok::Punct(c));
            i += 1;
        } else if c == '-' && bytes.get(i + 1) == Some(&b'>') {
            toks.push(Tok::Arrow);
            i += 2;
        } else {
            let start = i;
            while i < s.len() {
                let c = bytes[i] as char;
                if c.is_ascii_whitespace() || PUNCT.contains(&c) {
                    break;
                }
                if c == '-' && i > start && bytes.get(i + 1) == Some(&b'>') {
                    break;
                }
                // Step over a whole UTF-8 character.
                i += s[i..].chars().next().map_or(1, char::len_utf8);
            }
            toks.push(Tok::Word(&s[start..i]));
        }
    }
    toks
}

/// A cursor over one line's tokens.
struct Cursor<'a> {
    toks: Vec<Tok<'a>>,
    pos: usize,
    line: usize,
}

impl<'a> Cursor<'a> {
    fn new(s: &'a str, line: usize) -> Self {
        Cursor {
            toks: tokenize(s),
            pos: 0,
            line,
        }
    }

    fn err<T>(&self, message: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError {
            line: self.line,
            message: message.into(),
        })
    }

    fn peek(&self) -> Option<Tok<'a>> {
        self.toks.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<Tok<'a>> {
        let t = self.peek();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    fn describe(&self) -> String {
        match self.peek() {
            Some(t) => format!("`{t}`"),
            None => "end of line".into(),
        }
    }

    fn at_punct(&self, c: char) -> bool {
        self.peek() == Some(Tok::Punct(c))
    }

    fn eat_punct(&mut self, c: char) -> bool {
        if self.at_punct(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_punct(&mut self, c: char) -> Result<(), ParseError> {
        if self.eat_punct(c) {
            Ok(())
        } else {
            self.err(format!("expected `{c}`, found {}", self.describe()))
        }
    }

    fn word(&mut self, what: &str) -> Result<&'a str, ParseError> {
        match self.peek() {
            Some(Tok::Word(w)) => {
                self.pos += 1;
                Ok(w)
            }
            _ => self.err(format!("expected {what}, found {}", self.describe())),
        }
    }

    fn end(&self) -> Result<(), ParseError> {
        match self.peek() {
            None => Ok(()),
            Some(t) => self.err(format!("unexpected `{t}` at the end of the line")),
        }
    }

    fn ty(&mut self) -> Result<Type, ParseError> {
        let w = self.word("a type")?;
        match Type::from_name(w) {
            Some(t) => Ok(t),
            None => self.err(format!("unknown type `{w}`")),
        }
    }

    fn entity(&mut self, prefix: &str, what: &str) -> Result<u32, ParseError> {
        let w = self.word(what)?;
        match parse_entity(w, prefix) {
            Some(n) if n <= MAX_ENTITY_NUMBER => Ok(n),
            Some(n) => self.err(format!(
                "{what} number {n} is too large (the limit is {MAX_ENTITY_NUMBER})"
            )),
            None => self.err(format!("expected {what}, found `{w}`")),
        }
    }

    fn value(&mut self) -> Result<Value, ParseError> {
        Ok(Value(self.entity("v", "a value")?))
    }

    fn block(&mut self) -> Result<Block, ParseError> {
        Ok(Block(self.entity("block", "a block")?))
    }

    fn u32_imm(&mut self, what: &str) -> Result<u32, ParseError> {
        let w = self.word(what)?;
        match parse_u64(w).and_then(|n| u32::try_from(n).ok()) {
            Some(n) => Ok(n),
            None => self.err(format!(
                "expected {what} (a 32-bit unsigned number), found `{w}`"
            )),
        }
    }
}

fn parse_entity(w: &str, prefix: &str) -> Option<u32> {
    let digits = w.strip_prefix(prefix)?;
    if digits.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || (digits.len() > 1 && digits.starts_with('0'))
    {
        return None;
    }
    digits.parse().ok()
}

fn parse_u64(w: &str) -> Option<u64> {
    if let Some(hex) = w.strip_prefix("0x").or_else(|| w.strip_prefix("0X")) {
        u64::from_str_radix(&hex.replace('_', ""), 16).ok()
    } else if w.bytes().all(|b| b.is_ascii_digit()) && !w.is_empty() {
        w.parse().ok()
    } else {
        None
    }
}

/// An integer immediate: decimal (optionally negative) or hex bits.
fn parse_i64(w: &str) -> Option<i64> {
    if let Some(rest) = w.strip_prefix('-') {
        let mag = parse_u64(rest)?;
        if mag <= i64::MAX as u64 {
            Some(-(mag as i64))
        } else if mag == 1 << 63 {
            Some(i64::MIN)
        } else {
            None
        }
    } else if w.starts_with("0x") || w.starts_with("0X") {
        parse_u64(w).map(|n| n as i64)
    } else {
        // Decimal: accept up to u64::MAX and keep the bits.
        parse_u64(w).map(|n| n as i64)
    }
}

// ---- the function parser ---------------------------------------------------

struct FuncParser {
    func: Function,
    /// The type of each value number, once a definition gave it.
    types: Vec<Option<Type>>,
    /// The first line that used each value number (0: never used).
    first_use: Vec<usize>,
    /// The line that each block number's header is on (0: no header yet).
    block_header: Vec<usize>,
    cur: Option<Block>,
    header_line: usize,
}

impl FuncParser {
    fn new(line: usize, header: &str) -> Result<Self, ParseError> {
        let err = |m: String| ParseError { line, message: m };
        // `function %name(params) -> results {`. The name may contain any
        // character except a line break, so the signature is found from the
        // end: the last `(` before the closing `)` of the parameters.
        let rest = header["function".len()..].trim_start();
        let rest = rest
            .strip_prefix('%')
            .ok_or_else(|| err("expected `%name` after `function`".into()))?;
        let brace = rest
            .rfind('{')
            .ok_or_else(|| err("expected `{` at the end of the function header".into()))?;
        let after = strip_comment(&rest[brace + 1..]).trim();
        if !after.is_empty() {
            return Err(err(format!("unexpected `{after}` after `{{`")));
        }
        let sig = rest[..brace].trim_end();
        let (params_part, results_part) = match sig.rfind("->") {
            Some(i) if sig[..i].trim_end().ends_with(')') => {
                (sig[..i].trim_end(), Some(&sig[i + 2..]))
            }
            _ => (sig, None),
        };
        if !params_part.ends_with(')') {
            return Err(err("expected `(params)` in the function header".into()));
        }
        let open = params_part
            .rfind('(')
            .ok_or_else(|| err("expected `(params)` in the function header".into()))?;
        let mut func = Function::new();
        func.name = params_part[..open].to_string();
        let params_text = &params_part[open + 1..params_part.len() - 1];
        func.signature.params = parse_type_list(params_text, line)?;
        if let Some(r) = results_part {
            func.signature.results = parse_type_list(r, line)?;
            if func.signature.results.is_empty() {
                return Err(err("expected result types after `->`".into()));
            }
        }
        Ok(FuncParser {
            func,
            types: Vec::new(),
            first_use: Vec::new(),
            block_header: Vec::new(),
            cur: None,
            header_line: line,
        })
    }

    /// Grows the per-value tables to hold `v`.
    fn touch_value(&mut self, v: Value) {
        let n = v.index() + 1;
        if self.types.len() < n {
            self.types.resize(n, None);
            self.first_use.resize(n, 0);
        }
    }

    fn touch_block(&mut self, b: Block) {
        let n = b.index() + 1;
        if self.block_header.len() < n {
            self.block_header.resize(n, 0);
        }
    }

    fn define(&mut self, v: Value, ty: Type, line: usize) -> Result<Value, ParseError> {
        self.touch_value(v);
        match self.types[v.index()] {
            Some(old) if old != ty => Err(ParseError {
                line,
                message: format!("{v} is defined as {ty} here but as {old} before"),
            }),
            _ => {
                self.types[v.index()] = Some(ty);
                Ok(v)
            }
        }
    }

    fn use_value(&mut self, v: Value, line: usize) -> Value {
        self.touch_value(v);
        if self.first_use[v.index()] == 0 {
            self.first_use[v.index()] = line;
        }
        v
    }

    fn value_use(&mut self, c: &mut Cursor<'_>) -> Result<Value, ParseError> {
        let v = c.value()?;
        Ok(self.use_value(v, c.line))
    }

    fn value_list(&mut self, c: &mut Cursor<'_>, close: char) -> Result<ValueList, ParseError> {
        let mut vals = Vec::new();
        if !c.eat_punct(close) {
            loop {
                vals.push(self.value_use(c)?);
                if c.eat_punct(close) {
                    break;
                }
                c.expect_punct(',')?;
            }
        }
        Ok(self.func.make_value_list(&vals))
    }

    fn block_call(&mut self, c: &mut Cursor<'_>) -> Result<BlockCall, ParseError> {
        let block = c.block()?;
        self.touch_block(block);
        let args = if c.eat_punct('(') {
            self.value_list(c, ')')?
        } else {
            ValueList::EMPTY
        };
        Ok(BlockCall { block, args })
    }

    /// Handles one line of the body; returns whether it closed the function.
    fn line(&mut self, line_no: usize, line: &str) -> Result<bool, ParseError> {
        let mut c = Cursor::new(strip_comment(line), line_no);
        match c.peek() {
            None => Ok(false),
            Some(Tok::Punct('}')) => {
                c.next();
                c.end()?;
                Ok(true)
            }
            Some(Tok::Word(w)) if w.starts_with("block") && parse_entity(w, "block").is_some() => {
                self.block_header(&mut c)?;
                Ok(false)
            }
            Some(_) => {
                let Some(b) = self.cur else {
                    return c.err("instruction before the first block header");
                };
                let data = self.inst(&mut c)?;
                c.end()?;
                self.func.append_inst(b, data, 0);
                Ok(false)
            }
        }
    }

    fn block_header(&mut self, c: &mut Cursor<'_>) -> Result<(), ParseError> {
        let b = c.block()?;
        self.touch_block(b);
        let prev = self.block_header[b.index()];
        if prev != 0 {
            return c.err(format!("{b} is already defined on line {prev}"));
        }
        self.block_header[b.index()] = c.line;
        let mut params = Vec::new();
        if c.eat_punct('(') && !c.eat_punct(')') {
            loop {
                let v = c.value()?;
                c.expect_punct(':')?;
                let ty = c.ty()?;
                params.push(self.define(v, ty, c.line)?);
                if c.eat_punct(')') {
                    break;
                }
                c.expect_punct(',')?;
            }
        }
        c.expect_punct(':')?;
        c.end()?;
        while self.func.blocks.len() <= b.index() {
            self.func.new_block();
        }
        self.func.blocks[b.index()].params = params;
        self.func.append_block_to_layout(b);
        self.cur = Some(b);
        Ok(())
    }

    fn inst(&mut self, c: &mut Cursor<'_>) -> Result<InstData, ParseError> {
        let first = c.word("an instruction")?;
        if parse_entity(first, "v").is_some() {
            c.pos -= 1;
            let dst = c.value()?;
            if c.at_punct(':') {
                return self.call_with_results(c, dst);
            }
            c.expect_punct('=')?;
            return self.def_inst(c, dst);
        }
        Ok(match first {
            "call" => self.call_rest(c, ValueList::EMPTY)?,
            "jump" => InstData::Jump {
                dest: self.block_call(c)?,
            },
            "brif" => {
                let cond = self.value_use(c)?;
                c.expect_punct(',')?;
                let then_dest = self.block_call(c)?;
                c.expect_punct(',')?;
                let else_dest = self.block_call(c)?;
                InstData::Brif {
                    cond,
                    then_dest,
                    else_dest,
                }
            }
            "br_table" => {
                let index = self.value_use(c)?;
                c.expect_punct(',')?;
                c.expect_punct('[')?;
                let mut targets = Vec::new();
                if !c.eat_punct(']') {
                    loop {
                        let b = c.block()?;
                        self.touch_block(b);
                        targets.push(b);
                        if c.eat_punct(']') {
                            break;
                        }
                        c.expect_punct(',')?;
                    }
                }
                let table = self.func.make_jump_table(targets);
                InstData::BrTable { index, table }
            }
            "return" => {
                let mut vals = Vec::new();
                if c.peek().is_some() {
                    loop {
                        vals.push(self.value_use(c)?);
                        if !c.eat_punct(',') {
                            break;
                        }
                    }
                }
                InstData::Return {
                    args: self.func.make_value_list(&vals),
                }
            }
            "trap" => InstData::Trap {
                code: trap_code(c)?,
            },
            "trapif" => {
                let cond = self.value_use(c)?;
                c.expect_punct(',')?;
                InstData::TrapIf {
                    cond,
                    code: trap_code(c)?,
                }
            }
            name => {
                if let Some(op) = store_from_name(name) {
                    let space = addr_space(c)?;
                    let (addr, offset) = self.address(c)?;
                    c.expect_punct(',')?;
                    let value = self.value_use(c)?;
                    InstData::Store {
                        op,
                        space,
                        addr,
                        value,
                        offset,
                    }
                } else {
                    return c.err(format!("unknown instruction `{name}`"));
                }
            }
        })
    }

    /// `addr+offset`
    fn address(&mut self, c: &mut Cursor<'_>) -> Result<(Value, u32), ParseError> {
        let addr = self.value_use(c)?;
        c.expect_punct('+')?;
        let offset = c.u32_imm("an offset")?;
        Ok((addr, offset))
    }

    /// `v5: i32, v6: f64 = call ...` after the first value.
    fn call_with_results(
        &mut self,
        c: &mut Cursor<'_>,
        first: Value,
    ) -> Result<InstData, ParseError> {
        let mut results = Vec::new();
        let mut v = first;
        loop {
            c.expect_punct(':')?;
            let ty = c.ty()?;
            results.push(self.define(v, ty, c.line)?);
            if !c.eat_punct(',') {
                break;
            }
            v = c.value()?;
        }
        c.expect_punct('=')?;
        match c.word("`call`")? {
            "call" => {}
            w => return c.err(format!("only `call` defines typed results, found `{w}`")),
        }
        let results = self.func.make_value_list(&results);
        self.call_rest(c, results)
    }

    /// The rest of a call after `call`.
    fn call_rest(
        &mut self,
        c: &mut Cursor<'_>,
        results: ValueList,
    ) -> Result<InstData, ParseError> {
        let kind = match c.word("a call kind")? {
            "direct" => {
                c.expect_punct('(')?;
                let slot = c.u32_imm("a slot")?;
                c.expect_punct(')')?;
                CallKind::Direct { slot }
            }
            "builtin" => {
                c.expect_punct('(')?;
                let slot = c.u32_imm("a slot")?;
                c.expect_punct(')')?;
                CallKind::Builtin { slot }
            }
            "indirect" => CallKind::Indirect,
            "tiercheck" => {
                c.expect_punct('(')?;
                let counter = c.u32_imm("a counter offset")?;
                c.expect_punct(',')?;
                let builtin = c.u32_imm("a builtin slot")?;
                c.expect_punct(',')?;
                let loop_index = if c.peek() == Some(Tok::Word("none")) {
                    c.word("a loop index")?;
                    CallKind::NO_LOOP
                } else {
                    c.u32_imm("a loop index or `none`")?
                };
                c.expect_punct(')')?;
                CallKind::TierCheck {
                    counter,
                    builtin,
                    loop_index,
                }
            }
            w => return c.err(format!("unknown call kind `{w}`")),
        };
        c.expect_punct('(')?;
        let args = self.value_list(c, ')')?;
        Ok(InstData::Call {
            kind,
            args,
            results,
        })
    }

    /// An instruction with one result `dst`, after `dst =`.
    fn def_inst(&mut self, c: &mut Cursor<'_>, dst: Value) -> Result<InstData, ParseError> {
        let line = c.line;
        let name = c.word("an instruction")?;
        if name == "vmctx" {
            self.define(dst, Type::I64, line)?;
            return Ok(InstData::Vmctx { dst });
        }
        if name == "call" {
            return c.err("call results need their types: `v1: i32 = call ...`");
        }
        if let Some(op) = load_from_name(name) {
            self.define(dst, op.result_type(), line)?;
            let space = addr_space(c)?;
            let (addr, offset) = self.address(c)?;
            return Ok(InstData::Load {
                op,
                space,
                dst,
                addr,
                offset,
            });
        }
        let Some((base, suffix)) = name.rsplit_once('.') else {
            return c.err(format!(
                "unknown instruction `{name}` (missing type suffix?)"
            ));
        };
        match base {
            "icmp" => {
                let Some(cc) = intcc_from_name(suffix) else {
                    return c.err(format!("unknown integer condition `{suffix}`"));
                };
                self.define(dst, Type::I32, line)?;
                let (lhs, rhs) = self.two_operands(c)?;
                return Ok(InstData::Icmp { cc, dst, lhs, rhs });
            }
            "fcmp" => {
                let Some(cc) = floatcc_from_name(suffix) else {
                    return c.err(format!("unknown float condition `{suffix}`"));
                };
                self.define(dst, Type::I32, line)?;
                let (lhs, rhs) = self.two_operands(c)?;
                return Ok(InstData::Fcmp { cc, dst, lhs, rhs });
            }
            _ => {}
        }
        let Some(ty) = Type::from_name(suffix) else {
            return c.err(format!("unknown type suffix `{suffix}` in `{name}`"));
        };
        self.define(dst, ty, line)?;
        Ok(match base {
            "iconst" => {
                let w = c.word("an integer")?;
                let Some(imm) = parse_i64(w) else {
                    return c.err(format!("expected a 64-bit integer, found `{w}`"));
                };
                InstData::Iconst { dst, imm }
            }
            "fconst" => {
                let w = c.word("float bits")?;
                let Some(bits) = parse_u64(w) else {
                    return c.err(format!(
                        "expected float bits (like 0x3f800000), found `{w}`"
                    ));
                };
                InstData::Fconst { dst, bits }
            }
            "select" => {
                let cond = self.value_use(c)?;
                c.expect_punct(',')?;
                let (if_true, if_false) = self.two_operands(c)?;
                InstData::Select {
                    dst,
                    cond,
                    if_true,
                    if_false,
                }
            }
            "copy" => InstData::Copy {
                dst,
                src: self.value_use(c)?,
            },
            _ => {
                if let Some(op) = unary_from_name(base) {
                    InstData::Unary {
                        op,
                        dst,
                        arg: self.value_use(c)?,
                    }
                } else if let Some(op) = binary_from_name(base) {
                    let (lhs, rhs) = self.two_operands(c)?;
                    InstData::Binary { op, dst, lhs, rhs }
                } else {
                    return c.err(format!("unknown instruction `{base}`"));
                }
            }
        })
    }

    fn two_operands(&mut self, c: &mut Cursor<'_>) -> Result<(Value, Value), ParseError> {
        let a = self.value_use(c)?;
        c.expect_punct(',')?;
        let b = self.value_use(c)?;
        Ok((a, b))
    }

    fn finish(mut self) -> Result<Function, ParseError> {
        // Blocks referenced but never given a header exist (so that the
        // function can be printed) but are not in the layout; the verifier
        // reports branches to them.
        while self.func.blocks.len() < self.block_header.len() {
            self.func.new_block();
        }
        let mut value_types = Vec::with_capacity(self.types.len());
        for (i, ty) in self.types.iter().enumerate() {
            match ty {
                Some(t) => value_types.push(*t),
                None if self.first_use[i] != 0 => {
                    return Err(ParseError {
                        line: self.first_use[i],
                        message: format!("v{i} is used but never defined"),
                    });
                }
                None => value_types.push(Type::I32),
            }
        }
        if self.func.layout.is_empty() {
            return Err(ParseError {
                line: self.header_line,
                message: format!("function %{} has no blocks", self.func.name),
            });
        }
        self.func.value_types = value_types;
        Ok(self.func)
    }
}

fn parse_type_list(s: &str, line: usize) -> Result<Vec<Type>, ParseError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(Vec::new());
    }
    s.split(',')
        .map(|t| {
            let t = t.trim();
            Type::from_name(t).ok_or_else(|| ParseError {
                line,
                message: format!("unknown type `{t}` in the signature"),
            })
        })
        .collect()
}

fn addr_space(c: &mut Cursor<'_>) -> Result<AddrSpace, ParseError> {
    match c.word("an address space (`heap` or `vm`)")? {
        "heap" => Ok(AddrSpace::Heap),
        "vm" => Ok(AddrSpace::Vm),
        w => c.err(format!(
            "unknown address space `{w}` (expected `heap` or `vm`)"
        )),
    }
}

fn trap_code(c: &mut Cursor<'_>) -> Result<crate::TrapCode, ParseError> {
    let w = c.word("a trap code")?;
    match trapcode_from_name(w) {
        Some(t) => Ok(t),
        None => c.err(format!("unknown trap code `{w}`")),
    }
}
