package source

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// helmTemplateHint is the hint on a plain file that contains a template
// action naming Helm's built-in objects or functions.
const helmTemplateHint = "this looks like a Helm template; scan the chart folder that contains Chart.yaml so that it is rendered first"

// otherTemplateHint is the hint on a plain file that contains any other
// template action, such as a Prometheus alert template in a ConfigMap.
const otherTemplateHint = "if the file is a template, render it before scanning, but text meant for another templating system can stay as it is"

// maxActionText is the maximum number of characters of an action quoted in
// a message. A longer action is cut and ends with "...".
const maxActionText = 60

// maxTemplateActions bounds the actions that templateActions lists.
const maxTemplateActions = 1000

// templateAction is one Go template action "{{ ... }}" of a text.
type templateAction struct {
	line, column int // counted from 1, the column in characters
	text         string
	helm         bool // names a Helm built-in object or a Helm function
}

// helmNames are the built-in objects and the Helm-only functions that mark
// an action as Helm's. Sprig functions such as "default" or "quote" are
// left out because other tools use them too.
var helmNames = []string{
	".Values", ".Release", ".Chart", ".Capabilities", ".Files", ".Template",
	"include ", "tpl ", "toYaml ", "fromYaml ", "required ", "lookup ",
}

// templateActions lists the first maxTemplateActions Go template actions
// of data outside YAML comment lines. An action opens with "{{" or "{{- ",
// closes with "}}" on the same line, and starts with what a pipeline can
// start with: '.', '$', '(', a comment, or a name. Text such as "{{}}",
// "{{{raw}}}" or "{{" without a closing "}}" on its line is not an action.
func templateActions(data []byte) []templateAction {
	var actions []templateAction
	lineNumber := 0
	for len(data) > 0 && len(actions) < maxTemplateActions {
		lineNumber++
		text := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			text, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if !bytes.Contains(text, []byte("{{")) {
			continue
		}
		if trimmed := bytes.TrimLeft(text, " \t"); len(trimmed) > 0 && trimmed[0] == '#' {
			continue
		}
		for from := 0; len(actions) < maxTemplateActions; {
			start, end, found := nextAction(text, from)
			if !found {
				break
			}
			from = end
			action := string(text[start:end])
			actions = append(actions, templateAction{
				line:   lineNumber,
				column: utf8.RuneCount(text[:start]) + 1,
				text:   shortenAction(action),
				helm:   mentionsHelm(action),
			})
		}
	}
	return actions
}

// firstHelmAction returns the first action that names Helm's objects or
// functions.
func firstHelmAction(actions []templateAction) (templateAction, bool) {
	for _, a := range actions {
		if a.helm {
			return a, true
		}
	}
	return templateAction{}, false
}

// templateWarning returns a warning about the first action of a plain
// file that is not meant as text: one that names Helm, or one that YAML
// reads as a mapping because it is not quoted. braces are the positions of
// the flow mappings that open with "{{". An action of another templating
// system inside a string, such as a Prometheus alert template, gets no
// warning.
func templateWarning(file string, actions []templateAction, braces map[position]bool) (Diagnostic, bool) {
	for _, a := range actions {
		asMapping := braces[position{a.line, a.column}]
		if !a.helm && !asMapping {
			continue
		}
		msg := fmt.Sprintf("template action %q is not rendered, and checks read it as literal text", a.text)
		if asMapping {
			msg = fmt.Sprintf("template action %q is not rendered, and YAML reads it as a mapping", a.text)
		}
		return Diagnostic{File: file, Line: a.line, Column: a.column, Message: msg, Hint: a.hint()}, true
	}
	return Diagnostic{}, false
}

// position is a line and column, both counted from 1.
type position struct{ line, column int }

// nextAction returns the bounds of the first action in line at or after
// from.
func nextAction(line []byte, from int) (start, end int, found bool) {
	for {
		i := bytes.Index(line[from:], []byte("{{"))
		if i < 0 {
			return 0, 0, false
		}
		start = from + i
		body := line[start+2:]
		closing := bytes.Index(body, []byte("}}"))
		if closing < 0 {
			return 0, 0, false
		}
		if isActionBody(body[:closing]) {
			return start, start + 2 + closing + 2, true
		}
		from = start + 2
	}
}

// isActionBody reports whether the text between "{{" and "}}" can be a
// Go template pipeline.
func isActionBody(body []byte) bool {
	if bytes.HasPrefix(body, []byte("- ")) || bytes.HasPrefix(body, []byte("-\t")) {
		body = body[1:]
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return false
	}
	c := body[0]
	switch {
	case c == '.' || c == '$' || c == '(' || c == '_':
		return true
	case c == '/':
		return bytes.HasPrefix(body, []byte("/*"))
	case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		return true
	}
	return false
}

func mentionsHelm(action string) bool {
	// Pad with a space so that a function name at the end, as in
	// "{{ include }}", still matches "include ".
	body := strings.TrimSuffix(strings.TrimPrefix(action, "{{"), "}}") + " "
	for _, name := range helmNames {
		if strings.Contains(body, name) {
			return true
		}
	}
	return false
}

func shortenAction(action string) string {
	if utf8.RuneCountInString(action) <= maxActionText {
		return action
	}
	runes := []rune(action)
	return string(runes[:maxActionText-3]) + "..."
}

// hint returns the hint for a file that contains the action.
func (a templateAction) hint() string {
	if a.helm {
		return helmTemplateHint
	}
	return otherTemplateHint
}
