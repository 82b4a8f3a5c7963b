package scanner

import "fmt"

// fmtSyntax renders a SyntaxError as "line L:C: invalid syntax: what".
func fmtSyntax(e *SyntaxError) string {
	if e.Msg == "" || e.Msg == "invalid syntax" {
		return fmt.Sprintf("line %d:%d: invalid syntax", e.Line, e.Col)
	}
	return fmt.Sprintf("line %d:%d: invalid syntax: %s", e.Line, e.Col, e.Msg)
}
