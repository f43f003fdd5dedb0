use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

mod lexer;

use lexer::{tokenize, Token};

static EVALUATIONS: AtomicUsize = AtomicUsize::new(0);

#[derive(Debug, Clone)]
enum Expr {
    Num(f64),
    Var(String),
    Binary(char, Box<Expr>, Box<Expr>),
    Call(String, Vec<Expr>),
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        token
    }

    fn precedence(op: char) -> u8 {
        match op {
            '+' | '-' => 1,
            '*' | '/' => 2,
            '^' => 3,
            _ => 0,
        }
    }

    fn expression(&mut self, min: u8) -> Result<Expr, String> {
        let mut left = self.atom()?;
        while let Some(Token::Op(op)) = self.peek().cloned() {
            let prec = Self::precedence(op);
            if prec < min {
                break;
            }
            self.next();
            let right = self.expression(if op == '^' { prec } else { prec + 1 })?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn atom(&mut self) -> Result<Expr, String> {
        match self.next() {
            Some(Token::Number(n)) => Ok(Expr::Num(n)),
            Some(Token::LParen) => {
                let inner = self.expression(1)?;
                match self.next() {
                    Some(Token::RParen) => Ok(inner),
                    other => Err(format!("expected ')', found {other:?}")),
                }
            }
            Some(Token::Name(name)) if self.peek() == Some(&Token::LParen) => {
                self.next();
                let mut args = Vec::new();
                while self.peek() != Some(&Token::RParen) {
                    args.push(self.expression(1)?);
                    if self.peek() == Some(&Token::Comma) {
                        self.next();
                    }
                }
                self.next();
                Ok(Expr::Call(name, args))
            }
            Some(Token::Name(name)) => Ok(Expr::Var(name)),
            other => Err(format!("unexpected {other:?}")),
        }
    }
}

struct Interpreter {
    vars: HashMap<String, f64>,
    cache: HashMap<String, f64>,
}

impl Interpreter {
    fn execute(&mut self, source: &str) -> Result<f64, String> {
        if let Some(hit) = self.cache.get(source) {
            return Ok(*hit);
        }
        let mut parser = Parser { tokens: tokenize(source)?, pos: 0 };
        let value = self.eval(&parser.expression(1)?)?;
        self.cache.insert(source.to_string(), value);
        EVALUATIONS.fetch_add(1, Ordering::Relaxed);
        Ok(value)
    }

    fn eval(&self, expr: &Expr) -> Result<f64, String> {
        Ok(match expr {
            Expr::Num(n) => *n,
            Expr::Var(name) => *self.vars.get(name).ok_or_else(|| format!("unknown variable {name}"))?,
            Expr::Binary(op, a, b) => {
                let (x, y) = (self.eval(a)?, self.eval(b)?);
                match op {
                    '+' => x + y,
                    '-' => x - y,
                    '*' => x * y,
                    '/' if y == 0.0 => return Err("division by zero".into()),
                    '/' => x / y,
                    _ => x.powf(y),
                }
            }
            Expr::Call(name, args) => {
                let values = args.iter().map(|a| self.eval(a)).collect::<Result<Vec<_>, _>>()?;
                match name.as_str() {
                    "max" => values.iter().cloned().fold(f64::MIN, f64::max),
                    "min" => values.iter().cloned().fold(f64::MAX, f64::min),
                    "sum" => values.iter().sum(),
                    "count" => values.iter().filter(|v| **v != 0.0).count() as f64,
                    _ => return Err(format!("unknown function {name}")),
                }
            }
        })
    }
}

fn main() {
    let mut interp = Interpreter { vars: HashMap::new(), cache: HashMap::new() };
    interp.vars.insert("pi".into(), std::f64::consts::PI);
    let programs: Vec<String> = std::env::args().skip(1).collect();
    let mut results: Vec<(String, f64)> = programs
        .iter()
        .filter(|p| !p.trim().is_empty())
        .filter_map(|p| interp.execute(p).ok().map(|v| (p.clone(), v)))
        .collect();
    results.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap_or(std::cmp::Ordering::Equal));
    let first_negative = results.iter().find(|(_, v)| *v < 0.0);
    let lines: Vec<String> = results.iter().map(|(p, v)| format!("{p} = {v}")).collect();
    println!("{}", lines.join("\n"));
    if let Some((p, _)) = first_negative {
        eprintln!("first negative result: {p}");
    }
    println!("{} evaluations", EVALUATIONS.load(Ordering::Relaxed));
}
