package source

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// nodeShape prints a node tree with kinds, tags, values and positions.
func nodeShape(n *yaml.Node) string {
	var b strings.Builder
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		fmt.Fprintf(&b, "(%d %s %q %d:%d", n.Kind, n.Tag, n.Value, n.Line, n.Column)
		for _, c := range n.Content {
			walk(c)
		}
		b.WriteString(")")
	}
	walk(n)
	return b.String()
}

func TestParseJSONMatchesYAML(t *testing.T) {
	inputs := []string{
		`{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}}`,
		"{\n  \"a\": [1, -2.5, 3e10, true, false, null],\n  \"b\": {\"c\": \"d\"}\n}",
		"{\"unicode\": \"h\u00e9llo w\u00f6rld\", \"after\": 1}",
		`{"escaped": "line\nbreak \"quoted\" \u00e9", "next": "x"}`,
		`[{"a": 1}, {"b": [[], {}]}]`,
		"{\"k\u00e9y\": {\"inner\": 0}}",
	}
	for _, in := range inputs {
		values, err := parseJSON([]byte(in))
		if err != nil {
			t.Errorf("parseJSON(%q): %v", in, err)
			continue
		}
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(in), &doc); err != nil {
			t.Fatalf("yaml.Unmarshal(%q): %v", in, err)
		}
		if got, want := nodeShape(values[0]), nodeShape(doc.Content[0]); got != want {
			t.Errorf("parseJSON(%q)\n got %s\nwant %s", in, got, want)
		}
	}
}

func TestParseJSONStream(t *testing.T) {
	in := "{\"kind\": \"Event\", \"apiVersion\": \"audit.k8s.io/v1\"}\n{\"kind\": \"Event\", \"apiVersion\": \"audit.k8s.io/v1\"}\n"
	values, err := parseJSON([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(values) != 2 || values[1].Line != 2 {
		t.Errorf("%d values, second at line %d; want 2 values, the second on line 2", len(values), values[1].Line)
	}
}

func TestParseJSONErrors(t *testing.T) {
	tests := []struct {
		in           string
		line, column int
		msg          string
	}{
		{`{"a": 1,}`, 1, 9, `invalid character '}' looking for the beginning of an object key`},
		{"{\n  \"a\" 1\n}", 2, 7, `expected ':' after object key "a"`},
		{`{"a": tru}`, 1, 7, "invalid literal, expected true"},
		{`{"a": 01}`, 1, 8, `invalid character '1' after object value, expected ',' or '}'`},
		{`{"a": "x`, 1, 9, "unexpected end of input in a string"},
		{"{\"a\": \"tab\there\"}", 1, 11, `invalid control character '\t' in a string`},
		{`{"a": "\q"}`, 1, 11, `invalid escape character 'q' in a string`},
		{`[1, 2`, 1, 6, "unexpected end of input in an array"},
		{`{"a": 1} x`, 1, 10, "invalid character 'x' looking for the beginning of a value"},
		{`{"a": -}`, 1, 8, "invalid number: expected a digit"},
		{`{"a": 1.}`, 1, 9, "invalid number: expected a digit after the decimal point"},
		{"{\"\u00e9\u00e9\": !}", 1, 8, "invalid character '!' looking for the beginning of a value"},
		{strings.Repeat("[", MaxDepth+1), 1, MaxDepth + 1, "the document is nested more than 1000 levels deep"},
	}
	for _, tt := range tests {
		_, err := parseJSON([]byte(tt.in))
		if err == nil {
			t.Errorf("parseJSON(%q) returned no error", tt.in)
			continue
		}
		if err.line != tt.line || err.column != tt.column || err.msg != tt.msg {
			t.Errorf("parseJSON(%q) error = %d:%d %s; want %d:%d %s", tt.in, err.line, err.column, err.msg, tt.line, tt.column, tt.msg)
		}
	}
}

func TestParseJSONAgreesWithEncodingJSON(t *testing.T) {
	inputs := []string{
		`{"a":"\ud800"}`, `{"a":"\ud83d\u0041"}`, "{\"a\":\"\xff\"}", `{"a":1e+5}`, `{"a":-0.0E-1}`,
		`{"a":[]}`, `{}`, `[]`, `{"a":"\/\b\f\r"}`, `{"a":"\ud83d\ude00"}`,
	}
	for _, in := range inputs {
		values, perr := parseJSON([]byte(in))
		var want any
		jerr := json.Unmarshal([]byte(in), &want)
		if (perr != nil) != (jerr != nil) {
			t.Errorf("%q: parseJSON error %v, encoding/json error %v", in, perr, jerr)
			continue
		}
		if perr != nil {
			continue
		}
		var got any
		if err := values[0].Decode(&got); err != nil {
			t.Fatalf("%q: decoding the node: %v", in, err)
		}
		if fmt.Sprint(normalizeNumbers(got)) != fmt.Sprint(normalizeNumbers(want)) {
			t.Errorf("%q: parseJSON gives %v, encoding/json %v", in, got, want)
		}
	}
}

// normalizeNumbers turns every number into a float64, as encoding/json
// does, so that the two decodings compare.
func normalizeNumbers(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = normalizeNumbers(e)
		}
	case []any:
		for i, e := range t {
			t[i] = normalizeNumbers(e)
		}
	case int:
		return float64(t)
	}
	return v
}

func TestJSONFileErrorIsReportedAsJSON(t *testing.T) {
	d := decodeStream("bad.json", []byte("{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Pod\",\n}\n"), "file", true)
	want := `bad.json:4:1: invalid JSON: invalid character '}' looking for the beginning of an object key`
	if len(d.errors) != 1 || d.errors[0].String() != want {
		t.Errorf("errors = %q, want %q", diagnosticTexts(d.errors), want)
	}
}

func TestFlowYAMLFallsBackFromJSON(t *testing.T) {
	d := decodeStream("flow.yaml", []byte("{apiVersion: v1, kind: Namespace, metadata: {name: x}}\n"), "file", false)
	if len(d.objects) != 1 || len(d.errors) != 0 {
		t.Errorf("%d objects, errors %q; want 1 and none", len(d.objects), diagnosticTexts(d.errors))
	}
}
