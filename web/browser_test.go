package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// chromiumPath is where the Debian package chromium installs the browser.
const chromiumPath = "/usr/bin/chromium"

// browserLog collects what the page reports while the test drives it.
type browserLog struct {
	mu         sync.Mutex
	requests   []string
	exceptions []string
	console    []string
	logEntries []string
}

func (b *browserLog) record(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		b.requests = append(b.requests, ev.Request.URL)
	case *runtime.EventExceptionThrown:
		text := ev.ExceptionDetails.Text
		if ev.ExceptionDetails.Exception != nil {
			text += ": " + ev.ExceptionDetails.Exception.Description
		}
		b.exceptions = append(b.exceptions, text)
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			b.console = append(b.console, fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(args, " ")))
		}
	case *cdplog.EventEntryAdded:
		if ev.Entry.Level == cdplog.EntryLevelError || ev.Entry.Level == cdplog.EntryLevelWarning {
			b.logEntries = append(b.logEntries, fmt.Sprintf("%s %s: %s (%s)", ev.Entry.Level, ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
		}
	}
}

// newBrowser starts a headless Chromium with a fresh profile. Every host
// name except the loopback address resolves to nothing, so that a page
// that tried to load from another host could not reach it; the test still
// sees the attempt in the network events.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("skipping the browser test: %s is missing; install the Debian package chromium", chromiumPath)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 1000),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancelTimeout)
	return ctx
}

func TestBrowserJourney(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the browser test in short mode")
	}
	site := newTestSite(t)
	m := site.m
	ts := httptest.NewServer(site)
	defer ts.Close()
	ctx := newBrowser(t)

	var events browserLog
	if err := chromedp.Listen(ctx, events.record); err != nil {
		t.Fatalf("listening to browser events: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1440, 1000)); err != nil {
		t.Fatalf("setting the viewport: %v", err)
	}

	t.Run("matrix", func(t *testing.T) { checkMatrixPage(t, ctx, ts.URL) })
	t.Run("arrow keys", func(t *testing.T) { checkArrowKeys(t, ctx, ts.URL) })
	t.Run("technique and mitigation links", func(t *testing.T) { checkLinks(t, ctx, ts.URL) })
	t.Run("search", func(t *testing.T) { checkSearch(t, ctx, ts.URL) })
	t.Run("mitigation filter", func(t *testing.T) {
		x, ok := m.Mitigation("MS-M9025")
		if !ok {
			t.Fatal("MS-M9025 is not in the knowledge base")
		}
		checkMitigationFilter(t, ctx, ts.URL, x.ID, len(x.Techniques))
	})
	t.Run("ID toggle", func(t *testing.T) { checkIDToggle(t, ctx, ts.URL) })
	t.Run("assessment overlay", func(t *testing.T) { checkAssessmentOverlay(t, ctx, ts.URL) })
	t.Run("themes", func(t *testing.T) { checkThemes(t, ctx, ts.URL) })
	t.Run("without JavaScript", func(t *testing.T) { checkWithoutScript(t, ctx, ts.URL) })

	events.mu.Lock()
	defer events.mu.Unlock()
	for _, e := range events.exceptions {
		t.Errorf("JavaScript exception: %s", e)
	}
	for _, c := range events.console {
		t.Errorf("console message: %s", c)
	}
	for _, l := range events.logEntries {
		// The screenshot of the 404 page logs its own status.
		if strings.Contains(l, "status of 404") && strings.HasSuffix(l, "/techniques/MS-TA9099)") {
			continue
		}
		t.Errorf("browser log: %s", l)
	}
	if len(events.requests) == 0 {
		t.Error("saw no network requests; the event listener is not working")
	}
	server, _ := url.Parse(ts.URL)
	for _, raw := range events.requests {
		u, err := url.Parse(raw)
		if err != nil {
			t.Errorf("request to unparsable URL %q", raw)
			continue
		}
		if u.Scheme == "data" || raw == "about:blank" {
			continue
		}
		if u.Host != server.Host {
			t.Errorf("request to another host: %s", raw)
		}
	}
}

// navigate loads a page and waits for its load event.
func navigate(t *testing.T, ctx context.Context, target string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(target)); err != nil {
		t.Fatalf("navigating to %s: %v", target, err)
	}
}

// clickAndWait clicks the element and waits for the page it leads to.
func clickAndWait(t *testing.T, ctx context.Context, selector string) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.WaitEvent(cdppage.LoadEventFired, nil, chromedp.Click(chromedp.CSS(selector))))
	if err != nil {
		t.Fatalf("clicking %s: %v", selector, err)
	}
}

func evaluate[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatalf("reading the location: %v", err)
	}
	return loc
}

func checkMatrixPage(t *testing.T, ctx context.Context, base string) {
	navigate(t, ctx, base+"/")
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(title, "Threat Matrix for Kubernetes") {
		t.Errorf("title = %q, want it to name the matrix", title)
	}
	if n := evaluate[int](t, ctx, `document.querySelectorAll("#matrix thead th").length`); n != 10 {
		t.Errorf("matrix has %d tactic columns, want 10", n)
	}
	if !evaluate[bool](t, ctx, `document.documentElement.classList.contains("js")`) {
		t.Error("app.js did not run: the html element lacks the js class")
	}
}

func checkArrowKeys(t *testing.T, ctx context.Context, base string) {
	navigate(t, ctx, base+"/")
	first := `#matrix tbody tr:first-child td.cell a`
	if err := chromedp.Do(ctx, chromedp.Focus(chromedp.CSS(first))); err != nil {
		t.Fatalf("focusing the first cell: %v", err)
	}
	active := func() string {
		return evaluate[string](t, ctx, `document.activeElement.closest("td") ? document.activeElement.closest("td").dataset.id : ""`)
	}
	start := active()
	want := evaluate[string](t, ctx, `document.querySelectorAll("#matrix tbody tr:first-child td.cell")[1].dataset.id`)
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.ArrowRight)); err != nil {
		t.Fatal(err)
	}
	if got := active(); got != want {
		t.Errorf("after ArrowRight from %s focus is on %q, want %q", start, got, want)
	}
	below := evaluate[string](t, ctx, `document.querySelector("#matrix tbody tr:nth-child(2) td:nth-child(2)").dataset.id`)
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.ArrowDown)); err != nil {
		t.Fatal(err)
	}
	if got := active(); got != below {
		t.Errorf("after ArrowDown focus is on %q, want %q", got, below)
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.ArrowLeft), chromedp.KeyEvent(kb.ArrowUp)); err != nil {
		t.Fatal(err)
	}
	if got := active(); got != start {
		t.Errorf("after ArrowLeft and ArrowUp focus is on %q, want %q", got, start)
	}
}

func checkLinks(t *testing.T, ctx context.Context, base string) {
	navigate(t, ctx, base+"/")
	clickAndWait(t, ctx, `td[data-id="MS-TA9013"] a`)
	if loc := location(t, ctx); loc != base+"/techniques/MS-TA9013" {
		t.Fatalf("after clicking the cell the location is %s, want /techniques/MS-TA9013", loc)
	}
	h1, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	if err != nil {
		t.Fatal(err)
	}
	if h1 != "Writable hostPath mount" {
		t.Errorf("technique page heading = %q", h1)
	}

	clickAndWait(t, ctx, `#mitigations ~ table a[href^="/mitigations/"]`)
	loc := location(t, ctx)
	if !strings.HasPrefix(loc, base+"/mitigations/MS-M9") {
		t.Fatalf("after clicking a mitigation the location is %s", loc)
	}
	clickAndWait(t, ctx, `#techniques ~ table a[href="/techniques/MS-TA9013"]`)
	if loc := location(t, ctx); loc != base+"/techniques/MS-TA9013" {
		t.Errorf("following the mitigation's technique link led to %s", loc)
	}
}

func checkSearch(t *testing.T, ctx context.Context, base string) {
	navigate(t, ctx, base+"/")
	_, err := chromedp.Run(ctx, chromedp.WaitEvent(cdppage.LoadEventFired, nil,
		chromedp.SendKeys(chromedp.ID("site-q"), "hostPath"+kb.Enter)))
	if err != nil {
		t.Fatalf("submitting the search: %v", err)
	}
	if loc := location(t, ctx); loc != base+"/search?q=hostPath" {
		t.Errorf("search location = %s", loc)
	}
	first := evaluate[string](t, ctx, `document.querySelector(".results .result a").getAttribute("href")`)
	if first != "/techniques/MS-TA9013" {
		t.Errorf("first search result links to %q, want /techniques/MS-TA9013", first)
	}
}

func checkMitigationFilter(t *testing.T, ctx context.Context, base, id string, want int) {
	// Without a script run: the server renders the filtered view.
	navigate(t, ctx, base+"/?mitigation="+id)
	if got := evaluate[int](t, ctx, `document.querySelectorAll("#matrix td.match").length`); got < want {
		t.Errorf("server-rendered filter highlights %d cells, want at least %d (one per technique)", got, want)
	}
	serverCount := evaluate[int](t, ctx, `document.querySelectorAll("#matrix td.match").length`)

	// With the script: choosing the option filters at once.
	navigate(t, ctx, base+"/")
	js := fmt.Sprintf(`(() => {
		const s = document.getElementById("f-mitigation");
		s.value = %q;
		s.dispatchEvent(new Event("input", {bubbles: true}));
		return document.querySelectorAll("#matrix td.match").length;
	})()`, id)
	if got := evaluate[int](t, ctx, js); got != serverCount {
		t.Errorf("script filter highlights %d cells, server filter %d", got, serverCount)
	}
	if loc := location(t, ctx); !strings.Contains(loc, "mitigation="+id) {
		t.Errorf("location after filtering = %s, want it to carry mitigation=%s", loc, id)
	}
	dimmed := evaluate[int](t, ctx, `document.querySelectorAll("#matrix td.dim").length`)
	cells := evaluate[int](t, ctx, `document.querySelectorAll("#matrix td.cell").length`)
	if dimmed+serverCount != cells {
		t.Errorf("%d dimmed + %d highlighted cells != %d cells", dimmed, serverCount, cells)
	}
}

func checkIDToggle(t *testing.T, ctx context.Context, base string) {
	navigate(t, ctx, base+"/")
	showIDs := `document.getElementById("matrix").classList.contains("show-ids")`
	if evaluate[bool](t, ctx, showIDs) {
		t.Fatal("IDs are shown before the toggle")
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("toggle-ids"))); err != nil {
		t.Fatal(err)
	}
	if !evaluate[bool](t, ctx, showIDs) {
		t.Error("IDs are hidden after the toggle")
	}
	if pressed := evaluate[string](t, ctx, `document.getElementById("toggle-ids").getAttribute("aria-pressed")`); pressed != "true" {
		t.Errorf("aria-pressed = %q after the toggle, want true", pressed)
	}
	navigate(t, ctx, base+"/")
	if !evaluate[bool](t, ctx, showIDs) {
		t.Error("the ID toggle was not remembered across page loads")
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("toggle-ids"))); err != nil {
		t.Fatal(err)
	}
	if evaluate[bool](t, ctx, showIDs) {
		t.Error("IDs are still shown after the second toggle")
	}
}

// checkThemes renders pages in the light and the dark color scheme, checks
// that the scheme changes the page background, and saves screenshots.
func checkThemes(t *testing.T, ctx context.Context, base string) {
	dir := t.TempDir()
	if *update {
		dir = filepath.Join("testdata", "screenshots")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	pages := map[string]string{
		"matrix":     "/?mitigation=MS-M9013&ids=1",
		"technique":  "/techniques/MS-TA9013",
		"mitigation": "/mitigations/MS-M9005",
		"attack":     "/attack",
		"search":     "/search?q=service+account",
		"tactic":     "/tactics/privilege-escalation",
		"history":    "/history",
		"not-found":  "/techniques/MS-TA9099",

		"assessment":           "/assessments/1",
		"assessment-exposure":  "/assessments/2",
		"assessment-plan":      "/assessments/1/plan",
		"assessment-technique": "/assessments/1/techniques/MS-TA9013",
		"assessment-history":   "/assessments/history?source=prod-eu",
		"assessments":          "/assessments",
	}
	backgrounds := map[string]string{}
	for _, scheme := range []string{"light", "dark"} {
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		})
		if err != nil {
			t.Fatalf("emulating %s: %v", scheme, err)
		}
		for name, path := range pages {
			navigate(t, ctx, base+path)
			png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
			if err != nil {
				t.Fatalf("screenshot of %s: %v", path, err)
			}
			file := filepath.Join(dir, name+"-"+scheme+".png")
			if err := os.WriteFile(file, png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		backgrounds[scheme] = evaluate[string](t, ctx, `getComputedStyle(document.body).backgroundColor`)
	}
	if backgrounds["light"] == backgrounds["dark"] {
		t.Errorf("light and dark schemes share the background %s", backgrounds["light"])
	}

	// The print stylesheet hides the navigation and the filters.
	_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
	if err != nil {
		t.Fatalf("emulating print: %v", err)
	}
	navigate(t, ctx, base+"/?ids=1")
	for _, sel := range []string{".site-header", ".filters", ".site-footer"} {
		display := evaluate[string](t, ctx, `getComputedStyle(document.querySelector("`+sel+`")).display`)
		if display != "none" {
			t.Errorf("in print, %s has display %q, want none", sel, display)
		}
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "matrix-print.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
		t.Fatal(err)
	}

	// A phone-sized viewport: the page must not scroll sideways, except
	// inside the matrix's own scroll region.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	defer chromedp.Do(ctx, chromedp.EmulateViewport(1440, 1000))
	narrow := map[string]string{
		"technique-narrow":            "/techniques/MS-TA9013",
		"matrix-narrow":               "/",
		"assessment-narrow":           "/assessments/1",
		"assessment-technique-narrow": "/assessments/1/techniques/MS-TA9013",
		"assessment-plan-narrow":      "/assessments/1/plan",
		"assessment-history-narrow":   "/assessments/history?source=prod-eu",
		"assessments-narrow":          "/assessments",
	}
	for name, path := range narrow {
		navigate(t, ctx, base+path)
		if wide := evaluate[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth`); wide {
			culprits := evaluate[[]string](t, ctx, `Array.from(document.querySelectorAll("body *"))
				.filter(el => !(el.parentElement && el.parentElement.closest(".matrix-scroll")) && el.getBoundingClientRect().right > window.innerWidth + 1)
				.slice(0, 5).map(el => el.tagName.toLowerCase() + "." + el.className)`)
			width := evaluate[string](t, ctx, `document.documentElement.scrollWidth + " > " + window.innerWidth`)
			t.Errorf("%s scrolls sideways at 390 px (%s); elements past the edge: %v", path, width, culprits)
		}
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshots in %s", dir)
}

// checkWithoutScript turns off the page's scripts and uses the ID toggle
// and a filter link, which must work as plain links.
func checkWithoutScript(t *testing.T, ctx context.Context, base string) {
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatalf("disabling scripts: %v", err)
	}
	defer func() {
		chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: false})
	}()

	navigate(t, ctx, base+"/")
	if evaluate[bool](t, ctx, `document.documentElement.classList.contains("js")`) {
		t.Fatal("app.js ran although scripts are disabled")
	}
	clickAndWait(t, ctx, "#toggle-ids")
	if loc := location(t, ctx); loc != base+"/?ids=1" {
		t.Errorf("the ID toggle led to %s, want /?ids=1", loc)
	}
	if !evaluate[bool](t, ctx, `document.getElementById("matrix").classList.contains("show-ids")`) {
		t.Error("the server did not render the IDs")
	}

	navigate(t, ctx, base+"/tactics/persistence")
	clickAndWait(t, ctx, `a[href="/?tactic=persistence"]`)
	if n := evaluate[int](t, ctx, `document.querySelectorAll("#matrix thead th").length`); n != 1 {
		t.Errorf("the tactic filter shows %d columns, want 1", n)
	}

	navigate(t, ctx, base+"/assessments/1")
	clickAndWait(t, ctx, `a[href="/assessments/1?color=exposure"]`)
	if !evaluate[bool](t, ctx, `document.getElementById("overlay").classList.contains("by-exposure")`) {
		t.Error("the overlay's colour link did not switch to exposure without JavaScript")
	}
}

// checkAssessmentOverlay opens the fixture assessment on the matrix,
// moves through it with the arrow keys and follows a cell to its evidence.
func checkAssessmentOverlay(t *testing.T, ctx context.Context, base string) {
	navigate(t, ctx, base+"/")
	matrixCells := evaluate[int](t, ctx, `document.querySelectorAll("#matrix td.cell").length`)
	clickAndWait(t, ctx, "#overlay-link")
	clickAndWait(t, ctx, `a[href="/assessments/1"]`)
	if loc := location(t, ctx); loc != base+"/assessments/1" {
		t.Fatalf("the assessment list led to %s, want /assessments/1", loc)
	}

	if n := evaluate[int](t, ctx, `document.querySelectorAll("#overlay td.cell").length`); n != matrixCells {
		t.Errorf("the overlay has %d cells, the matrix %d", n, matrixCells)
	}
	marked := evaluate[int](t, ctx, `Array.from(document.querySelectorAll("#overlay td.cell")).filter(td =>
		td.querySelector(".ov-level").textContent.trim() !== "" && td.querySelector(".ov-exposure").textContent.trim() !== "").length`)
	if marked != matrixCells {
		t.Errorf("%d of %d overlay cells carry both symbols", marked, matrixCells)
	}
	exposedBackground := evaluate[string](t, ctx, `getComputedStyle(document.querySelector('#overlay td[data-id="MS-TA9013"] a')).backgroundColor`)
	coveredBackground := evaluate[string](t, ctx, `getComputedStyle(document.querySelector('#overlay td.lvl-none a')).backgroundColor`)
	if exposedBackground == coveredBackground {
		t.Errorf("a partly covered and an uncovered cell share the background %s", exposedBackground)
	}

	first := `#overlay tbody tr:first-child td.cell a`
	if err := chromedp.Do(ctx, chromedp.Focus(chromedp.CSS(first))); err != nil {
		t.Fatalf("focusing the first overlay cell: %v", err)
	}
	want := evaluate[string](t, ctx, `document.querySelectorAll("#overlay tbody tr:first-child td.cell")[1].dataset.id`)
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.ArrowRight)); err != nil {
		t.Fatal(err)
	}
	if got := evaluate[string](t, ctx, `document.activeElement.closest("td").dataset.id`); got != want {
		t.Errorf("after ArrowRight in the overlay focus is on %q, want %q", got, want)
	}

	clickAndWait(t, ctx, `#overlay td[data-id="MS-TA9013"] a`)
	if loc := location(t, ctx); loc != base+"/assessments/1/techniques/MS-TA9013" {
		t.Fatalf("the overlay cell led to %s", loc)
	}
	rule := evaluate[string](t, ctx, `document.querySelector("#detections ~ table tbody th").textContent`)
	if rule != hostileRule {
		t.Errorf("the rule name reads %q, want the text %q", rule, hostileRule)
	}
	if n := evaluate[int](t, ctx, `document.querySelectorAll("main script, main img").length`); n != 0 {
		t.Errorf("the evidence page has %d script or img elements in its content; imported text was not escaped", n)
	}
}
