package derbes

import (
	"slices"
	"time"
)

// Storage period endings (StoragePeriod.End): what happens to data whose
// periods have all passed (Law 94-V Art. 12 p.2, Art. 17, Art. 18).
const (
	EndDestroy       = "destroy"       // destroyed, with an act
	EndDepersonalise = "depersonalise" // a depersonalised record is kept for statistics, then destroyed
)

// RetentionFacts is what the retention rule knows of one subject: dates
// and codes, never a value.
type RetentionFacts struct {
	Consents []Consent
	// Orders are the subject's orders: the purposes each serves and when it
	// closed (nil while open).
	Orders []OrderFact
	// Stored maps each category the subject has a current value or file
	// for to the purpose it was collected under and when.
	Stored map[string]Collected
	// Activity is the latest use of a purpose for the subject that is not a
	// collection: a transfer under it, a request handled under it.
	Activity map[string]time.Time
	// Open marks purposes with a matter still running (an open request).
	Open map[string]bool
}

// Collected is when and under which purpose a category was last stored.
type Collected struct {
	Purpose string
	At      time.Time
}

// OrderFact is an order as the retention rule sees it.
type OrderFact struct {
	Purposes []string
	ClosedAt *time.Time
}

// PurposeEnd is one purpose's hold on a subject's data.
type PurposeEnd struct {
	Purpose string
	// Open: the event that starts the period has not happened yet.
	Open bool
	// Start is the event's date and Until the end of the period (when not Open).
	Start, Until time.Time
}

// Keeps reports whether the purpose still keeps the data at now.
func (e PurposeEnd) Keeps(now time.Time) bool { return e.Open || now.Before(e.Until) }

// RetentionDecision is what R-RETAIN-1 says about a subject's stored data at a time.
type RetentionDecision struct {
	// Due are the stored categories no purpose keeps any longer, sorted.
	Due []string
	// Whole: every stored category is due and no purpose holds anything
	// open, so the whole subject is destroyed (keys shredded).
	Whole bool
	// Since is when the due data became due: the latest end among the
	// periods that covered it.
	Since time.Time
	// Ended are the purposes whose periods ended and covered due data,
	// sorted: the act's basis.
	Ended []string
	// Depersonalise: a purpose that covered due data ends in a
	// depersonalised record (StoragePeriod.End).
	Depersonalise bool
	// Next is the earliest future end of a period that keeps something,
	// zero when none is scheduled (all open or nothing kept).
	Next time.Time
}

// StorageEnd returns a purpose's hold on the subject's data: related is
// false when the purpose never touched the subject (it keeps nothing).
// The period starts at the purpose's storage event (StoragePeriod.From):
//   - collected: the latest collection, consent or use under the purpose;
//   - consent-ended, employment-ended: when the last consent to it ended
//     (open while one is live);
//   - order-closed: when the last order serving it closed (open while one
//     is open; with no order, as consent-ended);
//   - contract-ended: when the last order of any kind closed (the service
//     contract is fulfilled; with no order, as consent-ended).
func StorageEnd(p *Purpose, f *RetentionFacts, now time.Time) (end PurposeEnd, related bool) {
	end.Purpose = p.Code
	collected := f.Activity[p.Code]
	for _, c := range f.Stored {
		if c.Purpose == p.Code && c.At.After(collected) {
			collected = c.At
		}
	}
	var given, consentEnd time.Time
	consentOpen, consented := false, false
	for i := range f.Consents {
		c := &f.Consents[i]
		if !slices.Contains(c.Purposes, p.Code) {
			continue
		}
		consented = true
		if c.GivenAt.After(given) {
			given = c.GivenAt
		}
		if c.Live(now) {
			consentOpen = true
			continue
		}
		ended := c.GivenAt
		if c.WithdrawnAt != nil {
			ended = *c.WithdrawnAt
		}
		if c.ExpiresAt != nil && (c.WithdrawnAt == nil || c.ExpiresAt.Before(*c.WithdrawnAt)) {
			ended = *c.ExpiresAt
		}
		if ended.After(consentEnd) {
			consentEnd = ended
		}
	}
	orders, ordersOpen, closed := 0, false, time.Time{}
	for _, o := range f.Orders {
		if p.Storage.From == "order-closed" && !slices.Contains(o.Purposes, p.Code) {
			continue
		}
		orders++
		if o.ClosedAt == nil {
			ordersOpen = true
		} else if o.ClosedAt.After(closed) {
			closed = *o.ClosedAt
		}
	}
	related = consented || !collected.IsZero()
	if p.Storage.From == "order-closed" {
		related = related || orders > 0
	}
	if !related {
		return end, false
	}
	asConsent := func() {
		switch {
		case consentOpen:
			end.Open = true
		case consented:
			end.Start = maxTime(consentEnd, collected)
		default:
			end.Start = collected
		}
	}
	switch p.Storage.From {
	case "collected":
		end.Start = maxTime(collected, given)
	case "order-closed", "contract-ended":
		if orders == 0 {
			asConsent()
		} else if ordersOpen {
			end.Open = true
		} else {
			end.Start = closed
		}
	default: // consent-ended, employment-ended
		asConsent()
	}
	if f.Open[p.Code] {
		end.Open = true
	}
	if !end.Open {
		end.Until = end.Start.AddDate(0, p.Storage.Months, 0)
	}
	return end, true
}

// DecideRetention applies the catalogue's storage periods to a subject's
// facts at now (R-RETAIN-1): a category is kept while any purpose that
// covers it and touched the subject still keeps it; the rest is due.
func DecideRetention(c *Catalogue, f *RetentionFacts, now time.Time) RetentionDecision {
	var d RetentionDecision
	ends := map[string]PurposeEnd{}
	anyOpen := false
	for i := range c.Purposes {
		p := &c.Purposes[i]
		if e, ok := StorageEnd(p, f, now); ok {
			ends[p.Code] = e
			anyOpen = anyOpen || e.Open
			if !e.Open && now.Before(e.Until) && (d.Next.IsZero() || e.Until.Before(d.Next)) {
				d.Next = e.Until
			}
		}
	}
	for cat := range f.Stored {
		kept := false
		var covering []PurposeEnd
		for i := range c.Purposes {
			p := &c.Purposes[i]
			e, ok := ends[p.Code]
			if !ok || !p.Covers(cat) {
				continue
			}
			if e.Keeps(now) {
				kept = true
				break
			}
			covering = append(covering, e)
		}
		if kept {
			continue
		}
		// A category stored under a purpose that no longer covers it (a
		// catalogue change) is due from its collection's period.
		if len(covering) == 0 {
			if e, ok := ends[f.Stored[cat].Purpose]; ok {
				covering = append(covering, e)
			}
		}
		d.Due = append(d.Due, cat)
		for _, e := range covering {
			if e.Until.After(d.Since) {
				d.Since = e.Until
			}
			if !slices.Contains(d.Ended, e.Purpose) {
				d.Ended = append(d.Ended, e.Purpose)
			}
			if p := c.Purpose(e.Purpose); p != nil && p.Storage.End == EndDepersonalise {
				d.Depersonalise = true
			}
		}
	}
	slices.Sort(d.Due)
	slices.Sort(d.Ended)
	d.Whole = len(d.Due) > 0 && len(d.Due) == len(f.Stored) && !anyOpen
	return d
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
