package source

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// maxLocateSize is the largest chunk whose syntax error locateSyntaxError
// searches for. The search parses log2(lines) + log2(line length) + 1
// prefixes of the chunk, about 21 for 1 MiB, so the error path costs about
// 20 times the parse of the document. Larger documents keep the line that
// yaml.v3 reports.
const maxLocateSize = 1 << 20

// splitYAMLError cuts a yaml.v3 error into the line it names, or 0, and the
// problem text, such as "did not find expected key".
func splitYAMLError(err error) (line int, msg string) {
	msg = strings.TrimPrefix(err.Error(), "yaml: ")
	rest, ok := strings.CutPrefix(msg, "line ")
	if !ok {
		return 0, msg
	}
	num, reason, ok := strings.Cut(rest, ": ")
	if !ok {
		return 0, msg
	}
	n, convErr := strconv.Atoi(num)
	if convErr != nil {
		return 0, msg
	}
	return n, reason
}

// locateSyntaxError returns the line and column, both counted from 1, of
// the problem behind msg, the message of the yaml.v3 error that decoding
// every document of data ends with. It returns 0 for what it cannot find,
// and column 0 with a line means that the line alone is known.
//
// yaml.v3 reports where the enclosing block starts, because libyaml's
// problem position is not exposed. The search finds the shortest prefix of
// data that fails with the same message: first over whole lines, then over
// the characters of the last line. It relies on the parser reading its
// input in order, so that a prefix which stops before the problem parses
// cleanly or fails differently.
//
// NOTE: a prefix that ends inside a multi-line construct can fail with the
// same message for another reason, and then the search can name a line
// other than the problem's. The message must match exactly, which keeps
// such cases rare.
func locateSyntaxError(data []byte, msg string) (line, column int) {
	if len(data) > maxLocateSize || flowCollectionProblems[msg] {
		return 0, 0
	}
	// lineEnds[i] is the offset just after line i+1, including its newline.
	var lineEnds []int
	for pos := 0; pos < len(data); {
		next := bytes.IndexByte(data[pos:], '\n')
		if next < 0 {
			pos = len(data)
		} else {
			pos += next + 1
		}
		lineEnds = append(lineEnds, pos)
	}
	prefixEnd := func(lines int) int {
		if lines == 0 {
			return 0
		}
		return lineEnds[lines-1]
	}

	// The whole chunk fails with msg and an empty one does not.
	lo, hi := 0, len(lineEnds)
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if failsWith(data[:prefixEnd(mid)], msg) {
			hi = mid
		} else {
			lo = mid
		}
	}
	line = hi
	if line == 0 {
		return 0, 0
	}

	start := prefixEnd(line - 1)
	text := bytes.TrimRight(data[start:prefixEnd(line)], "\r\n")
	if !failsWith(data[:start+len(text)], msg) {
		return line, 0
	}
	// runeEnds[j] is the offset in text just after its rune j+1. Cutting
	// only at rune boundaries keeps the prefixes valid UTF-8.
	var runeEnds []int
	for i := 0; i < len(text); {
		_, size := utf8.DecodeRune(text[i:])
		i += size
		runeEnds = append(runeEnds, i)
	}
	lo, hi = 0, len(runeEnds)
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if failsWith(data[:start+runeEnds[mid-1]], msg) {
			hi = mid
		} else {
			lo = mid
		}
	}
	column = hi
	if yamlParserContexts[msg] != "" {
		// A parser problem is a whole token, but the search stops at the
		// character that decides its kind, such as the ':' after a key, so
		// the column moves back to the start of the token.
		for column > 1 && !isYAMLSpace(text[runeEnds[column-2]-1]) {
			column--
		}
	}
	switch {
	case strings.HasPrefix(msg, "unknown anchor "):
		// The message names the whole alias, so the search stops at its
		// last character and the column moves back to its '*'.
		if star := bytes.LastIndexByte(text[:runeEnds[column-1]], '*'); star >= 0 {
			column = utf8.RuneCount(text[:star]) + 1
		}
	case msg == aliasNameProblem && column > 1:
		// The search stops at the character after the '*' or '&'.
		if c := text[runeEnds[column-2]-1]; c == '*' || c == '&' {
			column--
		}
	}
	return line, column
}

// aliasNameProblem is the message for a '*' or '&' that no name follows.
const aliasNameProblem = "did not find expected alphabetic or numeric character"

// syntaxHint suggests a fix for the syntax error msg found at line and
// column of data, or returns "".
func syntaxHint(data []byte, line, column int, msg string) string {
	if yamlParserContexts[msg] != "" {
		if hint := indentationHint(data, line); hint != "" {
			return hint
		}
	}
	var at byte
	if column > 0 {
		// Indicators are ASCII, so one byte is enough to compare.
		text := []rune(string(lineAt(data, line)))
		if column <= len(text) && text[column-1] < utf8.RuneSelf {
			at = byte(text[column-1])
		}
	}
	switch {
	case msg == "found character that cannot start any token" && (at == '@' || at == '`'):
		return "quote the value, because YAML reserves '@' and '`' and neither can start a plain value"
	case msg == aliasNameProblem && (at == '*' || at == '&'):
		return `quote the value, as in verbs: ["*"], because YAML reads a plain '*' or '&' as the start of an alias or an anchor`
	}
	return yamlProblemHints[msg]
}

// lineAt returns line n of data, counted from 1, without its line break.
func lineAt(data []byte, n int) []byte {
	for i := 1; i < n; i++ {
		next := bytes.IndexByte(data, '\n')
		if next < 0 {
			return nil
		}
		data = data[next+1:]
	}
	if end := bytes.IndexByte(data, '\n'); end >= 0 {
		data = data[:end]
	}
	return bytes.TrimSuffix(data, []byte("\r"))
}

// failsWith reports whether decoding every document of data fails with
// the problem text msg. A parser panic counts as another failure.
func failsWith(data []byte, msg string) (fails bool) {
	defer func() {
		if recover() != nil {
			fails = false
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return false
		}
		if err != nil {
			_, got := splitYAMLError(err)
			return got == msg
		}
	}
}

// flowCollectionProblems are the messages of an unclosed or malformed flow
// collection. The parser also raises them at the end of any prefix that
// stops inside the collection, so a prefix search would only find the
// opening bracket, which yaml.v3 reports already.
var flowCollectionProblems = map[string]bool{
	"did not find expected ',' or ']'": true,
	"did not find expected ',' or '}'": true,
}

// yamlParserContexts names the YAML structure that yaml.v3 reports the
// start of for each parser problem.
var yamlParserContexts = map[string]string{
	"did not find expected key":           "block mapping",
	"did not find expected '-' indicator": "block sequence",
	"did not find expected node content":  "node",
}

// yamlProblemHints suggest a fix for the syntax errors that a misplaced
// line or a missing quote cause most often.
var yamlProblemHints = map[string]string{
	"did not find expected key": "check the indentation of this line, " +
		"because the keys of one mapping must start in the same column",
	"did not find expected '-' indicator": "check the indentation of this line, " +
		"because the items of one sequence must start with '-' in the same column",
	"mapping values are not allowed in this context": `quote a value that contains ": ", ` +
		"or check the indentation of this line",
	"could not find expected ':'": `write the line as "key: value", ` +
		"or indent it further if it continues the value above",
	"found unexpected end of stream": "a quoted string that starts here is never closed",
}

func isYAMLSpace(c byte) bool {
	return c == ' ' || c == '\t'
}

// indentationHint describes how the indentation of line, counted from 1,
// differs from the keys and items above it: for each indentation level
// that opens above the line, the column of the nearest key or item at that
// level. It returns "" when the line lines up with one of them, because
// then the indentation is not what is wrong.
func indentationHint(data []byte, line int) string {
	lines := bytes.Split(data, []byte("\n"))
	if line < 1 || line > len(lines) {
		return ""
	}
	inScalar := blockScalarLines(lines[:line-1])
	column := indentColumn(lines[line-1])

	var above []int
	limit := column + 1<<30 // no level seen yet
	for i := line - 2; i >= 0 && limit > 1; i-- {
		text := lines[i]
		if inScalar[i] || blankOrComment(text) {
			continue
		}
		start := indentColumn(text)
		// An item "- key: value" opens a mapping after the dash.
		if item := text[start-1:]; bytes.HasPrefix(item, []byte("- ")) && mappingKeyLine.Match(item[2:]) {
			inner := start + indentColumn(item[1:])
			if inner < limit {
				above = append(above, inner)
				limit = inner
			}
		}
		if start < limit {
			above = append(above, start)
			limit = start
		}
	}
	if len(above) == 0 || slices.Contains(above, column) {
		return ""
	}

	list := make([]string, len(above))
	for i, c := range above {
		list[i] = strconv.Itoa(c)
	}
	where := "column " + list[0]
	if len(list) > 1 {
		where = "columns " + strings.Join(list[:len(list)-1], ", ") + " and " + list[len(list)-1]
	}
	return fmt.Sprintf("check the indentation, because this line starts in column %d and the keys and items above it start in %s", column, where)
}

// mappingKeyLine matches text that starts with a plain key and its ':'.
var mappingKeyLine = regexp.MustCompile("^\\s*[^\\s#'\"{\\[&*!|>%@`-][^:#]*:(\\s|$)")

// blockScalarHeader matches the end of a line that starts a literal or
// folded block scalar, such as "script: |" or "- >-".
var blockScalarHeader = regexp.MustCompile(`(^|[\s:-])[|>][-+1-9]{0,2}\s*(#.*)?\r?$`)

// blockScalarLines marks the lines that are the content of a block scalar:
// the lines after a header that are blank or indented further than it.
func blockScalarLines(lines [][]byte) []bool {
	marks := make([]bool, len(lines))
	header := -1 // indentation column of the open block scalar's header
	for i, text := range lines {
		if header > 0 {
			if len(bytes.TrimSpace(text)) == 0 || indentColumn(text) > header {
				marks[i] = true
				continue
			}
			header = -1
		}
		if !blankOrComment(text) && blockScalarHeader.Match(text) {
			header = indentColumn(text)
		}
	}
	return marks
}

// indentColumn returns the column, counted from 1, of the first character
// of text that is not a space.
func indentColumn(text []byte) int {
	return len(text) - len(bytes.TrimLeft(text, " ")) + 1
}
