// Package e2e holds derbes's end-to-end browser tests: derbes started
// in-process as the binary starts it (app.Start on a temporary SQLite
// database), driven through the staff console by a real headless Chromium
// with chromedp. A missing Chromium fails the tests; it never skips them.
// Each test saves screenshots of its steps under test-output/e2e/.
package e2e
