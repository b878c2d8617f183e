// Package server assembles derbes's HTTP surface: routes.go is the whole
// URL surface in one table, middleware.go what wraps every request.
package server

import (
	"log/slog"
	"net/http"

	"github.com/derbes-kz/derbes/internal/api"
	"github.com/derbes-kz/derbes/internal/portal"
	"github.com/derbes-kz/derbes/internal/web"
)

// Access says who may call a route.
type Access string

// Route access levels. The authorisation-matrix tests iterate Routes, so a
// new route cannot be forgotten.
const (
	Public Access = "public" // anyone, no personal data
	Token  Access = "token"  // a bearer API token; the service checks its role
	// Console is a staff-console page that needs a signed-in staff member
	// (the session cookie); the web package resolves the session, and sends
	// a restricted member to the second-factor or instructions page.
	Console Access = "console"
	// ConsolePublic is a console page or asset served without a session:
	// the sign-in page, the language switch, the stylesheet.
	ConsolePublic Access = "console-public"
	// PortalSubject is a subject-portal page that needs a signed-in data
	// subject (the portal's session cookie); it acts on that subject only.
	PortalSubject Access = "portal"
	// PortalPublic is a portal page or asset served without a session:
	// sign-in, the code page, the language switch, the stylesheet.
	PortalPublic Access = "portal-public"
)

// Route is one entry of the URL surface.
type Route struct {
	Method  string
	Pattern string
	Access  Access
	Handler api.HandlerFunc
}

// Routes returns every route derbes serves.
func Routes(a *api.API) []Route {
	return []Route{
		{"GET", "/healthz", Public, a.Healthz},
		{"GET", "/readyz", Public, a.Readyz},
		{"GET", "/metrics", Token, a.MetricsPage},
		{"GET", "/{$}", Public, a.Home},
		{"GET", "/api/v1/openapi.yaml", Public, a.OpenAPI},
		{"GET", "/api/v1/catalogue", Public, a.Catalogue},
		{"GET", "/policy", Public, a.PolicyPage},
		{"GET", "/static/policy.css", Public, a.PolicyCSS},
		{"GET", "/api/v1/policy", Public, a.Policy},
		{"POST", "/api/v1/policy/versions", Token, a.PublishPolicy},
		{"GET", "/api/v1/policy/versions/{version}/reconsent", Token, a.Reconsent},

		{"POST", "/api/v1/subjects", Token, a.CreateSubject},
		{"POST", "/api/v1/subjects/search", Token, a.SearchSubjects},
		{"GET", "/api/v1/subjects/{id}", Token, a.GetSubject},
		{"PATCH", "/api/v1/subjects/{id}", Token, a.UpdateSubject},
		{"GET", "/api/v1/subjects/{id}/values/{category}/history", Token, a.ValueHistory},
		{"GET", "/api/v1/subjects/{id}/consents", Token, a.ListConsents},
		{"POST", "/api/v1/subjects/{id}/consents", Token, a.GiveConsent},
		{"POST", "/api/v1/subjects/{id}/consents/refusals", Token, a.RefuseConsent},
		{"POST", "/api/v1/subjects/{id}/consents/{consentId}/withdraw", Token, a.WithdrawConsent},
		{"POST", "/api/v1/subjects/{id}/consents/{consentId}/withdrawal-refusal", Token, a.RefuseWithdrawal},
		{"GET", "/api/v1/subjects/{id}/consents/{consentId}/form", Token, a.ConsentForm},
		{"GET", "/api/v1/subjects/{id}/consents/{consentId}/receipt", Token, a.ConsentReceipt},
		{"PUT", "/api/v1/subjects/{id}/consents/{consentId}/scan", Token, a.AttachConsentScan},
		{"POST", "/api/v1/subjects/{id}/codes", Token, a.SendCode},
		{"POST", "/api/v1/codes/{challengeId}/verify", Token, a.VerifyCode},
		{"POST", "/api/v1/consents/verify", Token, a.VerifyConsents},
		{"GET", "/api/v1/reports/legacy", Token, a.LegacyReport},
		{"GET", "/api/v1/reports/control", Token, a.ControlReport},

		{"GET", "/api/v1/subjects/{id}/transfers", Token, a.SubjectTransfers},
		{"POST", "/api/v1/subjects/{id}/life-health", Token, a.RecordLifeHealth},
		{"GET", "/api/v1/subjects/{id}/blocks", Token, a.ListBlocks},
		{"POST", "/api/v1/subjects/{id}/blocks", Token, a.BlockSubject},
		{"DELETE", "/api/v1/subjects/{id}/blocks/{blockId}", Token, a.UnblockSubject},
		{"GET", "/api/v1/subjects/{id}/orders", Token, a.ListOrders},
		{"POST", "/api/v1/subjects/{id}/orders", Token, a.CreateOrder},
		{"POST", "/api/v1/orders/{id}/status", Token, a.MoveOrder},
		{"PUT", "/api/v1/orders/{id}/documents/{category}", Token, a.AttachOrderDocument},
		{"GET", "/api/v1/subjects/{id}/requests", Token, a.SubjectRequests},
		{"POST", "/api/v1/subjects/{id}/requests", Token, a.OpenRequest},
		{"GET", "/api/v1/subjects/{id}/recipient-notices", Token, a.RecipientNotices},
		{"GET", "/api/v1/subjects/{id}/recipient-notices/{noticeId}/document", Token, a.RecipientNoticeDocument},
		{"POST", "/api/v1/subjects/{id}/recipient-notices/{noticeId}/sent", Token, a.MarkRecipientNoticeSent},
		{"POST", "/api/v1/subjects/{id}/destruction", Token, a.DestroySubject},
		{"GET", "/api/v1/subjects/{id}/destruction/act", Token, a.DestructionAct},
		{"GET", "/api/v1/erasures", Token, a.Erasures},
		{"POST", "/api/v1/erasures/apply", Token, a.ApplyErasures},
		{"GET", "/api/v1/requests", Token, a.RequestQueue},
		{"POST", "/api/v1/requests/escalate", Token, a.EscalateRequests},
		{"POST", "/api/v1/requests/{id}/status", Token, a.UpdateRequest},
		{"GET", "/api/v1/recipients", Token, a.ListRecipients},
		{"POST", "/api/v1/recipients", Token, a.CreateRecipient},
		{"POST", "/api/v1/transfers", Token, a.CreateTransfer},
		{"GET", "/api/v1/transfers/{id}/package", Token, a.TransferPackage},
		{"POST", "/api/v1/transfer-notices/send", Token, a.SendTransferNotices},
		{"POST", "/api/v1/authority-requests", Token, a.RegisterAuthorityRequest},
		{"POST", "/api/v1/authority-requests/{id}/decision", Token, a.DecideAuthorityRequest},

		{"GET", "/api/v1/breaches", Token, a.ListBreaches},
		{"POST", "/api/v1/breaches", Token, a.RecordBreach},
		{"POST", "/api/v1/breaches/{id}/status", Token, a.MoveBreach},
		{"GET", "/api/v1/breaches/{id}/notice", Token, a.BreachNotice},

		{"GET", "/api/v1/retention/preview", Token, a.RetentionPreview},
		{"POST", "/api/v1/retention/runs", Token, a.RunRetention},
		{"GET", "/api/v1/retention/acts", Token, a.RetentionActs},
		{"POST", "/api/v1/retention/acts/{id}/approve", Token, a.ApproveRetentionAct},
		{"GET", "/api/v1/retention/acts/{id}/pdf", Token, a.RetentionActPDF},
		{"GET", "/api/v1/retention/holds", Token, a.Holds},
		{"POST", "/api/v1/retention/holds", Token, a.PlaceHold},
		{"POST", "/api/v1/retention/holds/{id}/release", Token, a.ReleaseHold},
		{"POST", "/api/v1/exports", Token, a.CreateExport},
		{"GET", "/api/v1/exports/{id}", Token, a.ExportState},
		{"GET", "/api/v1/exports/{id}/file", Token, a.ExportFile},
		{"GET", "/api/v1/webhooks", Token, a.Webhooks},
		{"POST", "/api/v1/webhooks", Token, a.CreateWebhook},
		{"GET", "/api/v1/statistics", Token, a.Statistics},
		{"POST", "/api/v1/statistics/extracts", Token, a.MakeStatsExtract},
		{"GET", "/api/v1/statistics/extracts/{id}/csv", Token, a.StatsCSV},

		{"GET", "/api/v1/staff", Token, a.ListStaff},
		{"POST", "/api/v1/staff", Token, a.CreateStaff},
		{"GET", "/api/v1/roles", Token, a.ListRoles},
		{"PUT", "/api/v1/roles/{name}", Token, a.PutRole},
		{"GET", "/api/v1/instructions", Token, a.CurrentInstructions},
		{"POST", "/api/v1/instructions", Token, a.PublishInstructions},
		{"POST", "/api/v1/appointments", Token, a.Appoint},
		{"GET", "/api/v1/appointments/current", Token, a.Responsible},

		{"GET", "/api/v1/audit", Token, a.AuditTrail},
		{"POST", "/api/v1/audit/verify", Token, a.VerifyAudit},
	}
}

// ConsoleRoutes returns the staff console's pages: HTML, not part of the
// API contract (openapi.yaml covers Routes only). Every state change is a
// POST, which the cross-origin protection of middleware.go guards.
func ConsoleRoutes(c *web.Console) []Route {
	return []Route{
		{"GET", "/static/console.css", ConsolePublic, c.CSS},
		{"GET", "/console/signin", ConsolePublic, c.SignInPage},
		{"POST", "/console/signin", ConsolePublic, c.SignIn},
		{"POST", "/console/lang", ConsolePublic, c.SetLanguage},
		{"POST", "/console/signout", Console, c.SignOut},
		{"GET", "/console/mfa", Console, c.MFAPage},
		{"POST", "/console/mfa/begin", Console, c.MFABegin},
		{"POST", "/console/mfa/confirm", Console, c.MFAConfirm},
		{"GET", "/console/instructions", Console, c.InstructionsPage},
		{"POST", "/console/instructions", Console, c.AcknowledgeInstructions},

		{"GET", "/console/{$}", Console, c.Dashboard},
		{"GET", "/console/subjects", Console, c.SubjectsPage},
		{"POST", "/console/subjects/search", Console, c.Search},
		{"GET", "/console/subjects/new", Console, c.NewSubjectPage},
		{"POST", "/console/subjects/new", Console, c.CreateSubject},
		{"GET", "/console/subjects/{id}", Console, c.SubjectPage},
		{"POST", "/console/subjects/{id}/edit", Console, c.SubjectEdit},
		{"GET", "/console/subjects/{id}/consents/{consentId}/withdraw", Console, c.WithdrawPage},
		{"POST", "/console/subjects/{id}/consents/{consentId}/withdraw", Console, c.Withdraw},
		{"GET", "/console/catalogue", Console, c.CataloguePage},
		{"GET", "/console/staff", Console, c.StaffPage},
		{"POST", "/console/staff", Console, c.CreateStaff},
		{"GET", "/console/roles", Console, c.RolesPage},
		{"GET", "/console/roles/{name}", Console, c.RoleEditPage},
		{"POST", "/console/roles/{name}", Console, c.PutRole},
		{"GET", "/console/audit", Console, c.AuditPage},
		{"POST", "/console/audit/verify", Console, c.VerifyAudit},
		{"GET", "/console/reports/control", Console, c.ControlReportPage},
		{"GET", "/console/reports/control/pdf", Console, c.ControlReportPDF},
		{"GET", "/console/breaches", Console, c.BreachesPage},
		{"POST", "/console/breaches", Console, c.RecordBreach},
		{"POST", "/console/breaches/{id}/status", Console, c.MoveBreach},
		{"GET", "/console/breaches/{id}/notice", Console, c.BreachNotice},
		{"GET", "/console/retention", Console, c.RetentionPage},
		{"POST", "/console/retention/run", Console, c.RunRetention},
		{"POST", "/console/retention/mode", Console, c.SetRetentionMode},
		{"POST", "/console/retention/acts/{id}/approve", Console, c.ApproveRetentionAct},
		{"GET", "/console/retention/acts/{id}/pdf", Console, c.RetentionActPDF},
		{"POST", "/console/retention/holds", Console, c.PlaceHold},
		{"POST", "/console/retention/holds/{id}/release", Console, c.ReleaseHold},
		{"GET", "/console/import", Console, c.ImportPage},
		{"POST", "/console/import", Console, c.UploadImport},
		{"GET", "/console/import/{job}", Console, c.ImportJobPage},
		{"POST", "/console/import/{job}/run", Console, c.RunImport},
		{"GET", "/console/import/{job}/report.csv", Console, c.ImportReport},
		{"GET", "/console/statistics", Console, c.StatisticsPage},
		{"POST", "/console/statistics/extract", Console, c.MakeStatsExtract},
		{"GET", "/console/statistics/extract.csv", Console, c.StatsCSV},
		{"GET", "/console/orders", Console, c.OrdersPage},
		{"POST", "/console/subjects/{id}/orders", Console, c.CreateOrder},
		{"POST", "/console/subjects/{id}/orders/{orderId}/status", Console, c.MoveOrder},
		{"POST", "/console/subjects/{id}/orders/{orderId}/documents", Console, c.AttachOrderDocument},
		{"POST", "/console/subjects/{id}/orders/{orderId}/questions", Console, c.AskApplicant},
		{"GET", "/console/recipients", Console, c.RecipientsPage},
		{"POST", "/console/recipients", Console, c.CreateRecipient},
		{"POST", "/console/recipients/{id}/confirm", Console, c.ConfirmRecipient},
		{"GET", "/console/transfers", Console, c.TransfersPage},
		{"GET", "/console/subjects/{id}/transfer", Console, c.TransferPage},
		{"POST", "/console/subjects/{id}/transfer", Console, c.Transfer},
		{"GET", "/console/subjects/{id}/transfers/{transferId}", Console, c.TransferDonePage},
		{"GET", "/console/transfers/{id}/package", Console, c.TransferPackage},
		{"POST", "/console/subjects/{id}/life-health", Console, c.RecordLifeHealth},
		{"POST", "/console/authority-requests", Console, c.RegisterAuthorityRequest},
		{"POST", "/console/authority-requests/decision", Console, c.DecideAuthorityRequest},
		{"GET", "/console/requests", Console, c.RequestsPage},
		{"POST", "/console/requests/{id}", Console, c.UpdateRequest},
		{"GET", "/console/", Console, c.NotFound},
	}
}

// PortalRoutes returns the subject portal's pages (R-RIGHTS-1, R-RIGHTS-2):
// HTML for data subjects, not part of the API contract. A page with
// PortalSubject access acts on the session's subject only; no URL names a
// subject. Every state change is a POST, which the cross-origin protection
// of middleware.go guards.
func PortalRoutes(p *portal.Portal) []Route {
	return []Route{
		{"GET", "/static/portal.css", PortalPublic, p.CSS},
		{"GET", "/portal", PortalPublic, p.SignInPage},
		{"POST", "/portal/signin", PortalPublic, p.Begin},
		{"GET", "/portal/code", PortalPublic, p.CodePage},
		{"POST", "/portal/code", PortalPublic, p.Verify},
		{"POST", "/portal/lang", PortalPublic, p.SetLanguage},
		{"POST", "/portal/signout", PortalPublic, p.SignOut},

		{"GET", "/portal/me", PortalSubject, p.MePage},
		{"GET", "/portal/me.json", PortalSubject, p.JSON},
		{"GET", "/portal/me.pdf", PortalSubject, p.PDF},
		{"GET", "/portal/consents/{consentId}/withdraw", PortalSubject, p.WithdrawPage},
		{"POST", "/portal/consents/{consentId}/withdraw", PortalSubject, p.Withdraw},
		{"GET", "/portal/requests/new", PortalSubject, p.NewRequestPage},
		{"POST", "/portal/requests/new", PortalSubject, p.CreateRequest},
		{"POST", "/portal/orders/{orderId}/answer", PortalSubject, p.AnswerQuestion},
		{"POST", "/portal/orders/{orderId}/documents", PortalSubject, p.AddDocument},
		{"GET", "/portal/apply", PortalPublic, p.ApplyStart},
		{"POST", "/portal/apply", PortalPublic, p.ApplyBegin},
		{"GET", "/portal/apply/code", PortalPublic, p.ApplyCodePage},
		{"POST", "/portal/apply/code", PortalPublic, p.ApplyVerify},
		{"GET", "/portal/apply/services", PortalPublic, p.ApplyServicesPage},
		{"POST", "/portal/apply/services", PortalPublic, p.ApplyServices},
		{"GET", "/portal/apply/data", PortalPublic, p.ApplyDataPage},
		{"POST", "/portal/apply/data", PortalPublic, p.ApplyData},
		{"GET", "/portal/apply/consent", PortalPublic, p.ApplyConsentPage},
		{"POST", "/portal/apply/consent", PortalPublic, p.ApplyConsent},
		{"GET", "/portal/apply/confirm", PortalPublic, p.ApplyCodePage},
		{"POST", "/portal/apply/confirm", PortalPublic, p.ApplySubmit},
		{"GET", "/portal/apply/done", PortalPublic, p.ApplyDone},
		{"GET", "/portal/", PortalPublic, p.NotFound},
	}
}

// Handler returns the http.Handler serving every route, wrapped in the
// middleware of middleware.go; X-Forwarded-For is believed from proxies only.
func Handler(a *api.API, c *web.Console, p *portal.Portal, log *slog.Logger, proxies Proxies) http.Handler {
	mux := http.NewServeMux()
	for _, rt := range Routes(a) {
		h := a.Handle(rt.Handler)
		if rt.Access == Token {
			h = a.RequireToken(h)
		}
		mux.Handle(rt.Method+" "+rt.Pattern, h)
	}
	for _, rt := range ConsoleRoutes(c) {
		h := c.Handle(rt.Handler)
		if rt.Access == Console {
			h = c.RequireSession(rt.Handler)
		}
		mux.Handle(rt.Method+" "+rt.Pattern, h)
	}
	for _, rt := range PortalRoutes(p) {
		h := p.Handle(rt.Handler)
		if rt.Access == PortalSubject {
			h = p.RequireSession(rt.Handler)
		}
		mux.Handle(rt.Method+" "+rt.Pattern, h)
	}
	mux.Handle("/", a.Handle(a.NotFound))
	return wrap(mux, a, log, proxies)
}
