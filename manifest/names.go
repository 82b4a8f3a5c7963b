package manifest

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// checkModuleName returns a message and a suggested fix if name is not a
// dotted Python module name ("a.b_c.d"), or "" if it is one.
func checkModuleName(name string) (msg, fix string) {
	if name == "" {
		return "module name is empty", ""
	}
	for seg := range strings.SplitSeq(name, ".") {
		if seg == "" {
			return fmt.Sprintf("%q is not a module name: it has an empty part", name), ""
		}
		if !isIdentifier(seg) {
			if seg == name {
				return fmt.Sprintf("%q is not a module name: it is not a Python identifier", name), hyphenFix(name, isDottedName)
			}
			return fmt.Sprintf("%q is not a module name: %q is not a Python identifier", name, seg), hyphenFix(name, isDottedName)
		}
	}
	return "", ""
}

func isDottedName(name string) bool {
	msg, _ := checkModuleName(name)
	return msg == ""
}

// checkPattern returns a message and a suggested fix if pattern is not a
// module pattern that could match a module name, or "" if it is one.
// Beyond torch's own rule (a "**" must be a whole segment) it rejects
// patterns that GlobGroup accepts but that can never match a module: the
// empty pattern, empty segments and characters outside identifiers.
func checkPattern(pattern string) (msg, fix string) {
	if pattern == "" {
		return "pattern is empty; it matches no module", ""
	}
	if _, err := compilePattern(pattern, '.'); err != nil {
		return fmt.Sprintf("pattern %q: %v", pattern, err), doubleStarFix(pattern)
	}
	for seg := range strings.SplitSeq(pattern, ".") {
		if seg == "" {
			return fmt.Sprintf("pattern %q has an empty segment and can never match a module", pattern), ""
		}
		if seg != "**" && !isIdentifierGlob(seg) {
			return fmt.Sprintf("pattern %q can never match a module: %q is not a Python identifier", pattern, seg),
				hyphenFix(pattern, func(s string) bool { msg, _ := checkPattern(s); return msg == "" })
		}
	}
	return "", ""
}

// hyphenFix suggests s with "-" replaced by "_" ("scikit-learn" is a
// distribution, its modules use "_"), if that makes it valid.
func hyphenFix(s string, valid func(string) bool) string {
	if t := strings.ReplaceAll(s, "-", "_"); t != s && valid(t) {
		return fmt.Sprintf("did you mean %q?", t)
	}
	return ""
}

// doubleStarFix suggests what a pattern with "**" inside a segment may have
// meant: "*" within the segment, or a separate "**" segment when the "**"
// is at the segment's start or end ("a.b**" -> "a.b.**").
func doubleStarFix(pattern string) string { return doubleStarFixSep(pattern, ".") }

// doubleStarFixSep is doubleStarFix for patterns with the separator sep
// ("/" for record patterns).
func doubleStarFixSep(pattern, sep string) string {
	segs := strings.Split(pattern, sep)
	within := make([]string, len(segs))
	apart := make([]string, len(segs))
	changedApart := false
	for i, seg := range segs {
		within[i], apart[i] = seg, seg
		if seg == "**" || !strings.Contains(seg, "**") {
			continue
		}
		for strings.Contains(within[i], "**") {
			within[i] = strings.ReplaceAll(within[i], "**", "*")
		}
		if rest, ok := strings.CutSuffix(seg, "**"); ok && !strings.Contains(rest, "*") {
			apart[i], changedApart = rest+sep+"**", true
		} else if rest, ok := strings.CutPrefix(seg, "**"); ok && !strings.Contains(rest, "*") {
			apart[i], changedApart = "**"+sep+rest, true
			if sep == "/" && strings.HasPrefix(rest, ".") {
				apart[i] = "**/*" + rest // "**.pkl" means any .pkl file below
			}
		}
	}
	fix := fmt.Sprintf("write %q to match within a segment", strings.Join(within, sep))
	if changedApart {
		fix += fmt.Sprintf(", or %q to match any number of segments", strings.Join(apart, sep))
	}
	return fix
}

// isIdentifier reports whether s is a Python identifier. Python's rule is
// Unicode's XID_Start XID_Continue* after NFKC normalization; this is the
// usual approximation by general category, exact for ASCII.
func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == utf8.RuneError {
			return false
		}
		if i == 0 && !isIDStart(r) || i > 0 && !isIDContinue(r) {
			return false
		}
	}
	return true
}

// isIdentifierGlob reports whether some identifier matches the pattern
// segment seg, in which "*" matches anything.
func isIdentifierGlob(seg string) bool {
	if strings.Trim(seg, "*") == "" {
		return true
	}
	for i, r := range seg {
		if r == '*' {
			continue
		}
		if r == utf8.RuneError || !isIDContinue(r) || i == 0 && !isIDStart(r) {
			return false
		}
	}
	return true
}

func isIDStart(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.Is(unicode.Nl, r) || unicode.Is(unicode.Other_ID_Start, r)
}

func isIDContinue(r rune) bool {
	return isIDStart(r) || unicode.In(r, unicode.Mn, unicode.Mc, unicode.Nd, unicode.Pc, unicode.Other_ID_Continue)
}
