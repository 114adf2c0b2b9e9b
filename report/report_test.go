package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/matrix"
	"github.com/kubethreat/kubethreat/source"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// secretEvidence is evidence as checks write it for an AWS access key ID:
// the first characters, an ellipsis and the length, never the key itself.
// Writers must print it exactly as the check gave it.
const secretEvidence = "AKIA…(20 chars)"

// testChecks are synthetic checks with every severity. They are not
// registered, so the test does not depend on the real check set.
func testChecks() []*check.Check {
	return []*check.Check{
		{ID: "pod-privileged", Title: "Privileged container", Severity: check.Critical,
			Rationale:   "A privileged container has every capability and the host's devices, so a process in it can take over the node.",
			Remediation: "Remove securityContext.privileged or set it to false.",
			Techniques:  []string{"MS-TA9008", "MS-TA9018"}, Mitigations: []string{"MS-M9013", "MS-M9017"},
			Since: "0.1.0", PSS: check.PSSBaseline},
		{ID: "pod-hostpath-writable", Title: "Writable hostPath volume", Severity: check.High,
			Rationale:   "A writable hostPath volume lets a container change files on the node.",
			Remediation: "Mount the hostPath volume read-only, or use another volume type.",
			Techniques:  []string{"MS-TA9013"}, Mitigations: []string{"MS-M9013", "MS-M9016"},
			Since: "0.1.0", PSS: check.PSSBaseline},
		{ID: "secret-in-env", Title: "Credential in an environment variable", Severity: check.High,
			Rationale:   "A credential written into a manifest can be read by anyone who can read the manifest or the object.",
			Remediation: "Move the value into a Secret and refer to it with valueFrom.secretKeyRef.",
			Techniques:  []string{"MS-TA9027"}, Mitigations: []string{"MS-M9022", "MS-M9026"},
			Since: "0.2.0"},
		{ID: "rbac-secrets-read", Title: "Role reads Secrets", Severity: check.Medium,
			Rationale:   "Read access to Secrets exposes every credential stored in them.",
			Remediation: "Grant get on named Secrets only, and drop list and watch.",
			Techniques:  []string{"MS-TA9025"}, Mitigations: []string{"MS-M9003"},
			Since: "0.1.0"},
		{ID: "rbac-cluster-admin-binding", Title: "Binding to cluster-admin", Severity: check.High,
			Rationale:   "A subject bound to cluster-admin controls the whole cluster.",
			Remediation: "Bind a role that grants only the verbs and resources the subject needs.",
			Techniques:  []string{"MS-TA9019"}, Mitigations: []string{"MS-M9003"},
			Since: "0.1.0", Needs: []string{"clusterrolebindings"}},
		{ID: "pod-sa-token-automount", Title: "Service account token mounted", Severity: check.Low,
			Rationale:   "A mounted service account token lets code in the pod call the API server as that account.",
			Remediation: "Set automountServiceAccountToken: false unless the pod calls the API server.",
			Techniques:  []string{"MS-TA9016"}, Mitigations: []string{"MS-M9025"},
			Since: "0.1.0"},
		{ID: "image-latest-tag", Title: "Image without a pinned version", Severity: check.Low,
			Rationale:   "An image referred to by a moving tag can change under a running workload.",
			Remediation: "Refer to the image by digest, or by a tag that is never moved.",
			Techniques:  []string{"MS-TA9002"}, Mitigations: []string{"MS-M9005.003"},
			Since: "0.2.0"},
		{ID: "admission-exec-policy", Title: "No admission policy restricts exec", Severity: check.Low,
			Rationale:   "Without an admission policy on pods/exec, anyone allowed to exec can run commands in any container.",
			Remediation: "Add an enforcing admission policy on CONNECT to pods/exec.",
			Techniques:  []string{"MS-TA9006"}, Mitigations: []string{"MS-M9010"},
			Since: "0.3.0"},
		{ID: "workload-no-limits", Title: "Container without resource limits", Severity: check.Info,
			Rationale:   "A container without limits can use the node's CPU and memory for mining or to starve other pods.",
			Remediation: "Set resources.limits.cpu and resources.limits.memory.",
			Techniques:  []string{"MS-TA9039", "MS-TA9040"}, Mitigations: []string{"MS-M9029"},
			Since: "0.2.0"},
	}
}

func finding(c *check.Check, status check.Status, ref source.Ref, loc source.Location, fieldPath, message string) check.Finding {
	f := check.Finding{
		Check: c.ID, Status: status, Severity: c.Severity,
		Techniques: c.Techniques, Mitigations: c.Mitigations,
		Object: ref, FieldPath: fieldPath, Location: loc, Message: message,
	}
	if status == check.Fail || status == check.Suppressed {
		f.Remediation = c.Remediation
	}
	return f
}

// testScan builds a scan with failing, passing, suppressed, not-evaluated
// and not-applicable outcomes, a technique under three tactics, a check
// under two techniques, a cluster finding without a file, a finding read
// from standard input, input problems and suppression problems.
func testScan(t *testing.T) *Scan {
	t.Helper()
	m, err := matrix.Default()
	if err != nil {
		t.Fatalf("loading the matrix: %v", err)
	}
	checks := testChecks()
	byID := map[string]*check.Check{}
	for _, c := range checks {
		byID[c.ID] = c
	}

	api := source.Ref{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "api"}
	agent := source.Ref{APIVersion: "apps/v1", Kind: "DaemonSet", Namespace: "kube-system", Name: "agent"}
	debug := source.Ref{APIVersion: "v1", Kind: "Pod", Namespace: "shop", Name: "debug"}
	at := func(file string, line, col int) source.Location {
		return source.Location{File: file, Line: line, Column: col}
	}

	privileged := finding(byID["pod-privileged"], check.Fail, api, at("deploy/api.yaml", 21, 13),
		"spec.template.spec.containers[0].securityContext.privileged",
		`container "app" in Deployment "shop/api" sets privileged: true; remove it or set it to false`)
	privileged.Evidence = "true"
	privileged.Guidance = []check.Guidance{{Mitigation: "MS-M9013", Service: "eks", Text: "Pods on `AWS Fargate` cannot run privileged containers."}}
	agentPrivileged := finding(byID["pod-privileged"], check.Fail, agent, at("deploy/node agents/agent.yaml", 30, 15),
		"spec.template.spec.containers[1].securityContext.privileged",
		`container "collector" in DaemonSet "kube-system/agent" sets privileged: true; remove it or set it to false`)
	agentPrivileged.Template = "charts/agent/templates/daemonset.yaml"
	hostPath := finding(byID["pod-hostpath-writable"], check.Fail, api, at("deploy/api.yaml", 40, 11),
		"spec.template.spec.volumes[0].hostPath.path",
		`volume "docker" in Deployment "shop/api" mounts hostPath "/var/run" writable; mount it read-only`)
	hostPath.Evidence = "/var/run"
	secret := finding(byID["secret-in-env"], check.Fail, api, at("deploy/api.yaml", 28, 19),
		"spec.template.spec.containers[0].env[2].value",
		"env `AWS_KEY` of container \"app\" holds a literal <credential> | move it to a Secret & use secretKeyRef")
	secret.Evidence = secretEvidence
	clusterRead := finding(byID["rbac-secrets-read"], check.Fail,
		source.Ref{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole", Name: "reader"},
		source.Location{Cluster: "prod"}, "rules[0].verbs",
		`ClusterRole "reader" grants list on secrets in every namespace; grant get on named Secrets only`)
	clusterRead.Evidence = "list"
	latest := finding(byID["image-latest-tag"], check.Fail,
		source.Ref{APIVersion: "v1", Kind: "Pod", Namespace: "default", Name: "tools"}, at("<stdin>", 9, 14),
		"spec.containers[0].image", `container "tools" in Pod "default/tools" uses image "busybox:latest"; pin a digest`)
	latest.Evidence = "busybox:latest"
	limits := finding(byID["workload-no-limits"], check.Fail, api, at("deploy/api.yaml", 19, 9),
		"spec.template.spec.containers[0].resources", `container "app" in Deployment "shop/api" sets no resource limits`)

	noPolicy := finding(byID["admission-exec-policy"], check.Fail, source.Ref{Kind: "Cluster", Name: "scanned manifests"},
		source.Location{}, "", "no admission policy in the input intercepts exec into pods; add one on CONNECT to pods/exec")
	noPolicy.Evidence = "no policy"

	tokenByAnnotation := finding(byID["pod-sa-token-automount"], check.Suppressed, debug, at("deploy/debug.yaml", 4, 3),
		"spec.automountServiceAccountToken", `Pod "shop/debug" mounts its service account token`)
	tokenByAnnotation.Suppression = &check.Suppression{Source: "annotation", Reason: "the debug pod lists pods through the API"}
	tokenByFile := finding(byID["pod-sa-token-automount"], check.Suppressed, api, at("deploy/api.yaml", 15, 7),
		"spec.template.spec.automountServiceAccountToken", `Deployment "shop/api" mounts its service account token`)
	tokenByFile.Suppression = &check.Suppression{Source: "kubethreat.yaml", Reason: "reads its own ConfigMap", Expires: "2030-06-30"}

	notApplicable := finding(byID["pod-sa-token-automount"], check.NotApplicable,
		source.Ref{APIVersion: "batch/v1", Kind: "Job", Namespace: "shop", Name: "migrate"}, at("deploy/migrate.yaml", 1, 1), "",
		`Job "shop/migrate": not applicable: the pod template is filled in by an admission webhook`)
	notApplicable.Reason = "the pod template is filled in by an admission webhook"
	wholeCheck := finding(byID["rbac-cluster-admin-binding"], check.NotEvaluated,
		source.Ref{Kind: "Check", Name: "rbac-cluster-admin-binding"}, source.Location{}, "",
		"Check \"rbac-cluster-admin-binding\": not evaluated: cannot read clusterrolebindings (forbidden)")
	wholeCheck.Reason = "cannot read clusterrolebindings (forbidden)"
	oneObject := finding(byID["pod-privileged"], check.NotEvaluated,
		source.Ref{APIVersion: "apps/v1", Kind: "StatefulSet", Namespace: "shop", Name: "db"}, at("deploy/db.yaml", 1, 1), "",
		`StatefulSet "shop/db": not evaluated: spec.template is not a mapping`)
	oneObject.Reason = "spec.template is not a mapping"

	res := &check.Result{
		Findings: []check.Finding{privileged, agentPrivileged, hostPath, secret, clusterRead, latest, limits, noPolicy,
			tokenByAnnotation, tokenByFile, notApplicable, wholeCheck, oneObject},
		Stats: map[string]check.Stats{
			"pod-privileged":             {Evaluated: 7, Failed: 2, Passed: 5, NotEvaluated: 1},
			"pod-hostpath-writable":      {Evaluated: 8, Failed: 1, Passed: 7},
			"secret-in-env":              {Evaluated: 8, Failed: 1, Passed: 7},
			"rbac-secrets-read":          {Evaluated: 4, Failed: 1, Passed: 3},
			"rbac-cluster-admin-binding": {NotEvaluated: 1},
			"pod-sa-token-automount":     {Evaluated: 6, Passed: 4, Suppressed: 2, NotApplicable: 1},
			"image-latest-tag":           {Evaluated: 9, Failed: 1, Passed: 8},
			"workload-no-limits":         {Evaluated: 8, Failed: 1, Passed: 7},
			"admission-exec-policy":      {Evaluated: 1, Failed: 1},
		},
		Checks: checks,
	}

	return &Scan{
		Tool:       Tool{Name: "kubethreat", Version: "0.3.0", MatrixVersion: "v3", AttackVersion: "18.1"},
		StartedAt:  time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC),
		Duration:   1234 * time.Millisecond,
		Inputs:     []string{"deploy/", "-", "cluster prod"},
		Result:     res,
		Techniques: techniqueStatuses(m, res),
		Skipped:    map[string]int{"not a Kubernetes object": 2, "empty document": 1},
		Cluster:    &check.ClusterInfo{Server: "https://prod.example:6443", Version: "v1.37.2", Provider: "eks"},
		Diagnostics: []Diagnostic{
			{File: "deploy/kustomization.yaml", Severity: SeverityWarning, Message: "Kustomization files are not rendered", Hint: "run kustomize build and scan its output"},
			{File: "deploy/broken.yaml", Line: 4, Column: 3, Severity: SeverityError, Message: "mapping values are not allowed in this context"},
		},
		Suppressions: []SuppressionNote{
			{Source: "kubethreat.yaml", Check: "pod-privileged", Match: "kube-system/DaemonSet/agent", Reason: "vendor agent needs host devices", Expires: "2024-12-31", Problem: SuppressionExpired},
			{Source: "kubethreat.yaml", Check: "image-latest-tag", Match: "shop/*", Reason: "images are pinned by the registry", Problem: SuppressionUnused},
		},
		Matrix: m,
	}
}

// techniqueStatuses computes a per-technique summary the simple way, as
// input for the writers: exposed when a check failed, not evaluated when a
// check could not run, not observed when checks ran, not assessable when no
// check maps to the technique.
func techniqueStatuses(m *matrix.Matrix, res *check.Result) []TechniqueStatus {
	var out []TechniqueStatus
	for _, tech := range m.Techniques {
		ts := TechniqueStatus{ID: tech.ID, Name: tech.Name, Status: NotAssessable, Checks: []string{}}
		for _, tactic := range tech.Tactics {
			ts.Tactics = append(ts.Tactics, tactic.Name)
		}
		var notEvaluated bool
		for _, c := range res.Checks {
			for _, id := range c.Techniques {
				if id != tech.ID {
					continue
				}
				ts.Checks = append(ts.Checks, c.ID)
				st := res.Stats[c.ID]
				ts.Failed += st.Failed
				notEvaluated = notEvaluated || st.NotEvaluated > 0
			}
		}
		switch {
		case ts.Failed > 0:
			ts.Status = Exposed
		case notEvaluated:
			ts.Status, ts.Reason = NotEvaluated, "a check that maps to it could not run"
		case len(ts.Checks) > 0:
			ts.Status = NotObserved
		default:
			ts.Reason = "no automatic check exists"
		}
		out = append(out, ts)
	}
	return out
}

// checkGolden compares output with a file under testdata/golden, or
// rewrites the file when the test runs with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %s: %v (run go test ./report -update to create it)", path, err)
	}
	if bytes.Equal(got, want) {
		return
	}
	gotLines, wantLines := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < max(len(gotLines), len(wantLines)); i++ {
		var g, w string
		if i < len(gotLines) {
			g = gotLines[i]
		}
		if i < len(wantLines) {
			w = wantLines[i]
		}
		if g != w {
			t.Fatalf("%s differs from the output at line %d (run go test ./report -update to accept the output):\ngot:  %q\nwant: %q", path, i+1, g, w)
		}
	}
}

// render runs the writer for a format on a scan.
func render(t *testing.T, format string, s *Scan) []byte {
	t.Helper()
	w, ok := Lookup(format)
	if !ok {
		t.Fatalf("Lookup(%q) found no writer", format)
	}
	var buf bytes.Buffer
	if err := w(&buf, s); err != nil {
		t.Fatalf("writing %s: %v", format, err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	files := map[string]string{
		"table":    "scan.txt",
		"json":     "scan.json",
		"sarif":    "scan.sarif",
		"junit":    "scan.junit.xml",
		"markdown": "scan.md",
		"csv":      "scan.csv",
	}
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			checkGolden(t, files[format], render(t, format, testScan(t)))
		})
	}
	t.Run("table-color", func(t *testing.T) {
		s := testScan(t)
		s.Color = true
		checkGolden(t, "scan-color.txt", render(t, "table", s))
	})
}

func TestWritersRejectMissingResult(t *testing.T) {
	for _, format := range Formats() {
		w, _ := Lookup(format)
		if err := w(&bytes.Buffer{}, &Scan{}); err == nil {
			t.Errorf("%s writer accepted a scan without a result", format)
		}
	}
}

// TestEvidenceUnchanged guards against a writer that alters or hides
// evidence. Checks redact secrets, so writers print evidence exactly.
func TestEvidenceUnchanged(t *testing.T) {
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			out := render(t, format, testScan(t))
			if !bytes.Contains(out, []byte(secretEvidence)) {
				t.Errorf("%s output does not contain the evidence %q unchanged", format, secretEvidence)
			}
		})
	}
}
func TestFormatsAllRegistered(t *testing.T) {
	want := []string{"table", "json", "sarif", "junit", "markdown", "csv"}
	got := Formats()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("Formats() = %v, want %v", got, want)
	}
	if _, ok := Lookup("html"); ok {
		t.Errorf(`Lookup("html") found a writer, want none`)
	}
}
