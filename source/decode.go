package source

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"gopkg.in/yaml.v3"
)

// DecodeYAML splits a YAML or JSON stream into objects. Documents that are
// not Kubernetes objects (no apiVersion or kind) are skipped and counted in
// skipped. A document that fails to parse ends the stream, because the YAML
// parser cannot resynchronise after a syntax error; the error names the file
// and line.
func DecodeYAML(file string, data []byte) (objects []*Object, skipped int, err error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			if errors.Is(err, io.EOF) {
				return objects, skipped, nil
			}
			return objects, skipped, fmt.Errorf("%s: %w", file, err)
		}
		root := deref(&doc)
		if root == nil || root.Kind != yaml.MappingNode {
			skipped++
			continue
		}
		o := &Object{Doc: root, Loc: Location{File: file, Line: root.Line, Column: root.Column}, Origin: "file"}
		v := o.Root()
		o.APIVersion = v.Field("apiVersion").Str()
		o.Kind = v.Field("kind").Str()
		o.Name = v.Field("metadata").Field("name").Str()
		o.Namespace = v.Field("metadata").Field("namespace").Str()
		if o.APIVersion == "" || o.Kind == "" {
			skipped++
			continue
		}
		objects = append(objects, o)
	}
}
