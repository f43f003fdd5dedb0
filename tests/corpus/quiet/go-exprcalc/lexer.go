// Package exprcalc parses and evaluates arithmetic expressions with variables
// and a few built-in functions: "max(a, b) * 2 + sqrt(c)".
package exprcalc

import (
	"fmt"
	"strings"
	"unicode"
)

type tokenKind int

const (
	tokNumber tokenKind = iota
	tokIdent
	tokOp
	tokLParen
	tokRParen
	tokComma
	tokEOF
)

type token struct {
	kind tokenKind
	text string
	pos  int
}

var punctuation = map[byte]tokenKind{'(': tokLParen, ')': tokRParen, ',': tokComma}

func isIdent(b byte, first bool) bool {
	r := rune(b)
	return unicode.IsLetter(r) || r == '_' || (!first && unicode.IsDigit(r))
}

func tokenize(src string) ([]token, error) {
	var out []token
	for i := 0; i < len(src); {
		start, c := i, src[i]
		switch {
		case c == ' ' || c == '\t':
			i++
			continue
		case unicode.IsDigit(rune(c)) || c == '.':
			for i < len(src) && (unicode.IsDigit(rune(src[i])) || src[i] == '.') {
				i++
			}
			out = append(out, token{tokNumber, src[start:i], start})
		case isIdent(c, true):
			for i < len(src) && isIdent(src[i], false) {
				i++
			}
			out = append(out, token{tokIdent, src[start:i], start})
		case strings.IndexByte("+-*/^%", c) >= 0:
			out = append(out, token{tokOp, string(c), i})
			i++
		default:
			kind, ok := punctuation[c]
			if !ok {
				return nil, fmt.Errorf("unexpected %q at %d", c, i)
			}
			out = append(out, token{kind, string(c), i})
			i++
		}
	}
	return append(out, token{tokEOF, "", len(src)}), nil
}
