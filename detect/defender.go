package detect

import (
	"fmt"
	"sort"
	"strings"
)

//go:generate go run ./internal/gendefender -out defender_alerts.go

// defenderAlert is one Kubernetes alert of Microsoft Defender for
// Containers: its type and name, the plane that raises it, the tactics
// Microsoft documents for it, and kubethreat's guess of the matrix
// technique it detects with the guess's confidence (high, medium or low).
// Technique is empty where no technique fits.
type defenderAlert struct {
	Type       string
	Name       string
	Plane      string
	Tactics    []string
	Severity   string
	Technique  string
	Confidence string
}

// ProfileSource is the Source of the rules of a built-in profile.
const ProfileSource = "profile:"

// Profiles returns the names of the built-in detection profiles.
func Profiles() []string { return []string{"defender"} }

// Profile returns the rules of a built-in detection profile. The
// "defender" profile contains the Kubernetes alerts of Microsoft Defender
// for Containers. Microsoft documents tactics but not matrix techniques for
// these alerts, so every mapping in it is Inferred from the alert's name
// and documented tactics.
func Profile(name string) (*Set, error) {
	if name != "defender" {
		return nil, fmt.Errorf("unknown detection profile %q; use one of %s", name, strings.Join(Profiles(), ", "))
	}
	set := &Set{}
	for _, a := range defenderAlerts {
		r := Rule{Source: ProfileSource + name, Format: FormatDefender, Name: a.Name, Enabled: true,
			Tags: append([]string{a.Type, "plane: " + a.Plane, "severity: " + a.Severity}, a.Tactics...)}
		if a.Technique == "" {
			r.Reason = "no matrix technique fits this alert (documented tactics: " + strings.Join(a.Tactics, ", ") + ")"
		} else {
			r.Mappings = []Mapping{{Technique: a.Technique, How: Inferred, Via: a.Type,
				Note: "guessed from the alert's name and documented tactics; confidence " + a.Confidence}}
		}
		set.Rules = append(set.Rules, r)
	}
	sort.SliceStable(set.Rules, func(i, j int) bool { return set.Rules[i].Tags[0] < set.Rules[j].Tags[0] })
	return set, nil
}
