package exprcalc

import (
	"fmt"
	"strconv"
)

// Node is an expression tree node: Num, Var, Binary or Call.
type Node interface{}

type Num float64
type Var string
type Binary struct {
	Op          string
	Left, Right Node
}
type Call struct {
	Name string
	Args []Node
}

var precedence = map[string]int{"+": 1, "-": 1, "*": 2, "/": 2, "%": 2, "^": 3}

type parser struct {
	toks []token
	pos  int
}

func (p *parser) peek() token { return p.toks[p.pos] }
func (p *parser) next() token { t := p.toks[p.pos]; p.pos++; return t }

// Parse turns source text into an expression tree (precedence climbing).
func Parse(src string) (Node, error) {
	toks, err := tokenize(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	n, err := p.expr(1)
	if err == nil && p.peek().kind != tokEOF {
		err = fmt.Errorf("unexpected %q at %d", p.peek().text, p.peek().pos)
	}
	return n, err
}

func (p *parser) expr(minPrec int) (Node, error) {
	left, err := p.primary()
	if err != nil {
		return nil, err
	}
	for t := p.peek(); t.kind == tokOp && precedence[t.text] >= minPrec; t = p.peek() {
		p.next()
		nextMin := precedence[t.text] + 1
		if t.text == "^" {
			nextMin = precedence[t.text] // right-associative
		}
		right, err := p.expr(nextMin)
		if err != nil {
			return nil, err
		}
		left = Binary{Op: t.text, Left: left, Right: right}
	}
	return left, nil
}

func (p *parser) primary() (Node, error) {
	t := p.next()
	switch t.kind {
	case tokNumber:
		f, err := strconv.ParseFloat(t.text, 64)
		return Num(f), err
	case tokIdent:
		if p.peek().kind != tokLParen {
			return Var(t.text), nil
		}
		p.next()
		call := Call{Name: t.text}
		for p.peek().kind != tokRParen {
			arg, err := p.expr(1)
			if err != nil {
				return nil, err
			}
			call.Args = append(call.Args, arg)
			if p.peek().kind == tokComma {
				p.next()
			}
		}
		p.next()
		return call, nil
	case tokLParen:
		n, err := p.expr(1)
		if err == nil && p.next().kind != tokRParen {
			err = fmt.Errorf("missing ) at %d", t.pos)
		}
		return n, err
	}
	return nil, fmt.Errorf("unexpected %q at %d", t.text, t.pos)
}
