package report

import (
	"bytes"
	"encoding/csv"
	"testing"
)

func TestCSVRows(t *testing.T) {
	s := testScan(t)
	records, err := csv.NewReader(bytes.NewReader(render(t, "csv", s))).ReadAll()
	if err != nil {
		t.Fatalf("parsing the CSV: %v", err)
	}
	if len(records) != len(s.Result.Findings)+1 {
		t.Fatalf("%d rows, want a header and one row per finding (%d)", len(records), len(s.Result.Findings)+1)
	}

	column := map[string]int{}
	for i, name := range records[0] {
		column[name] = i
	}
	var found bool
	for _, r := range records[1:] {
		if len(r) != len(csvHeader) {
			t.Errorf("row has %d cells, want %d: %q", len(r), len(csvHeader), r)
		}
		if r[column["check"]] != "workload-no-limits" {
			continue
		}
		found = true
		checks := map[string]string{
			"status": "fail", "severity": "info", "techniques": "MS-TA9039;MS-TA9040",
			"file": "deploy/api.yaml", "line": "19", "column": "9", "namespace": "shop",
		}
		for name, want := range checks {
			if got := r[column[name]]; got != want {
				t.Errorf("workload-no-limits %s = %q, want %q", name, got, want)
			}
		}
	}
	if !found {
		t.Error("no row for workload-no-limits")
	}
}

func TestCSVCell(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"},
		{"+1", "'+1"},
		{"-2", "'-2"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"},
		{"a=b", "a=b"},
		{secretEvidence, secretEvidence},
	}
	for _, tc := range cases {
		if got := csvCell(tc.in); got != tc.want {
			t.Errorf("csvCell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
