// Package htmlkit holds what derbes's two server-rendered UIs, the staff
// console (internal/web) and the subject portal (internal/portal), do the
// same way: the form model (labelled fields, validation errors placed next
// to their field and in the page's error summary), cookies (HttpOnly,
// SameSite, Secure over TLS), redirects and flash messages, the language
// choice, bounded form parsing, translated error pages and the parsing of
// page templates. Each UI keeps its own templates, stylesheet, paths and
// cookie names.
package htmlkit
