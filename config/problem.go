package config

import (
	"strconv"
	"strings"
)

// Problem is one invalid part of a configuration file.
type Problem struct {
	File   string
	Line   int // counted from 1; 0 when unknown
	Column int // counted from 1; 0 when unknown

	// Field is the path of the field at fault, such as
	// "exceptions[0].expires", or "" for the file as a whole.
	Field string

	// Message describes the fault and how to fix it.
	Message string
}

// String formats the problem as "file:line:column: field: message",
// leaving out the parts that are unknown.
func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		if p.Line > 0 {
			b.WriteString(":" + strconv.Itoa(p.Line))
			if p.Column > 0 {
				b.WriteString(":" + strconv.Itoa(p.Column))
			}
		}
		b.WriteString(": ")
	}
	if p.Field != "" {
		b.WriteString(p.Field + ": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Error is the list of every problem found in one configuration file.
// Parse and Load sort the problems by line and column.
type Error struct {
	File     string
	Problems []Problem
}

// Error formats the problems one per line under a heading that names the
// file.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File + ": invalid configuration")
	if len(e.Problems) > 1 {
		b.WriteString(", " + strconv.Itoa(len(e.Problems)) + " problems")
	}
	b.WriteString(":")
	for _, p := range e.Problems {
		b.WriteString("\n  " + p.String())
	}
	return b.String()
}
