package scanner

// Patterns of match statements (PEP 634). They cannot contain calls or
// imports, so they are only checked.

// patterns: open_sequence_pattern | pattern
func (p *parser) patterns() {
	star := p.maybeStarPattern()
	if p.tok.kind != tComma {
		if star {
			p.fail("invalid syntax: a star pattern must be inside a sequence")
		}
		return
	}
	for p.tok.kind == tComma {
		p.next()
		if p.tok.kind == tColon || p.tok.kind == kwIf {
			return
		}
		p.maybeStarPattern()
	}
}

// maybeStarPattern reads a pattern or a star pattern and reports which.
func (p *parser) maybeStarPattern() bool {
	if p.tok.kind == tStar {
		p.next()
		p.name()
		return true
	}
	p.pattern()
	return false
}

// pattern: or_pattern ['as' NAME]
func (p *parser) pattern() {
	p.enter()
	p.closedPattern()
	for p.tok.kind == tVBar {
		p.next()
		p.closedPattern()
	}
	if p.tok.kind == kwAs {
		p.next()
		t := p.name()
		if p.text(t) == "_" {
			p.fail("cannot use '_' as a target")
		}
	}
	p.depth--
}

func (p *parser) closedPattern() {
	switch p.tok.kind {
	case tNumber, tMinus:
		p.numberPattern()
	case tString:
		for p.tok.kind == tString || p.tok.kind == tFStart {
			if p.tok.kind == tFStart {
				p.fail("patterns may only match literals and attribute lookups")
			}
			p.next()
		}
	case tFStart:
		p.fail("patterns may only match literals and attribute lookups")
	case kwNone, kwTrue, kwFalse:
		p.next()
	case tName:
		p.next()
		for p.tok.kind == tDot {
			p.next()
			p.name()
		}
		if p.tok.kind == tLParen {
			p.classPatternArgs()
		}
	case tLParen:
		p.next()
		if p.tok.kind == tRParen {
			p.next()
			return
		}
		star := p.maybeStarPattern()
		if p.tok.kind == tRParen && !star {
			p.next() // a group
			return
		}
		p.sequencePatternRest(tRParen)
	case tLBrack:
		p.next()
		if p.tok.kind == tRBrack {
			p.next()
			return
		}
		p.maybeStarPattern()
		p.sequencePatternRest(tRBrack)
	case tLBrace:
		p.mappingPattern()
	default:
		p.syntaxError()
	}
}

func (p *parser) sequencePatternRest(closing tokKind) {
	for p.tok.kind == tComma {
		p.next()
		if p.tok.kind == closing {
			break
		}
		p.maybeStarPattern()
	}
	if p.tok.kind != closing {
		p.syntaxError()
	}
	p.next()
}

// numberPattern: signed_number, or signed real +/- imaginary.
func (p *parser) numberPattern() {
	if p.tok.kind == tMinus {
		p.next()
	}
	if p.tok.kind != tNumber {
		p.syntaxError()
	}
	first := numberKind(p.src[p.tok.s:p.tok.e])
	p.next()
	if p.tok.kind != tPlus && p.tok.kind != tMinus {
		return
	}
	if first == eComplex {
		p.fail("real number required in complex literal")
	}
	p.next()
	if p.tok.kind != tNumber || numberKind(p.src[p.tok.s:p.tok.e]) != eComplex {
		p.fail("imaginary number required in complex literal")
	}
	p.next()
}

func (p *parser) classPatternArgs() {
	p.next() // (
	sawKw := false
	for p.tok.kind != tRParen {
		if p.tok.kind == tName && p.peek().kind == tEqual {
			p.next()
			p.next()
			p.pattern()
			sawKw = true
		} else {
			if sawKw {
				p.fail("positional patterns follow keyword patterns")
			}
			p.pattern()
		}
		if p.tok.kind != tComma {
			break
		}
		p.next()
	}
	p.expect(tRParen)
}

func (p *parser) mappingPattern() {
	p.next() // {
	for p.tok.kind != tRBrace {
		if p.tok.kind == tDoubleStar {
			p.next()
			if t := p.name(); p.text(t) == "_" {
				p.fail("cannot use '_' as a target")
			}
			if p.tok.kind == tComma {
				p.next()
			}
			break
		}
		switch p.tok.kind {
		case tNumber, tMinus:
			p.numberPattern()
		case tString:
			for p.tok.kind == tString {
				p.next()
			}
		case kwNone, kwTrue, kwFalse:
			p.next()
		case tName:
			p.next()
			if p.tok.kind != tDot {
				p.syntaxError()
			}
			for p.tok.kind == tDot {
				p.next()
				p.name()
			}
		default:
			p.syntaxError()
		}
		p.expect(tColon)
		p.pattern()
		if p.tok.kind != tComma {
			break
		}
		p.next()
	}
	if p.tok.kind != tRBrace {
		p.syntaxError()
	}
	p.next()
}
