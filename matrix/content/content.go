// Package content embeds the knowledge base's source files: one Markdown
// file with YAML front matter per tactic, technique and mitigation, plus the
// ATT&CK names, the retired IDs and the version history.
package content

import "embed"

// FS holds the content files, rooted at this folder.
//
//go:embed attack.yaml retired.yaml history.yaml techniques/*.md mitigations/*.md tactics/*.md
var FS embed.FS
