package bench

import (
	"fmt"
	"io"
	"math"
	"slices"
	"text/tabwriter"
	"time"
)

// percentiles returns the nearest-rank p50, p95 and p99 and the maximum of
// d, in milliseconds; d is sorted in place. All are 0 for no samples.
func percentiles(d []time.Duration) (p50, p95, p99, maxMs float64) {
	if len(d) == 0 {
		return 0, 0, 0, 0
	}
	slices.Sort(d)
	rank := func(p float64) float64 {
		i := int(math.Ceil(p/100*float64(len(d)))) - 1
		return ms(d[max(i, 0)])
	}
	return rank(50), rank(95), rank(99), ms(d[len(d)-1])
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Table writes the report as a fixed-width table: one row per phase and
// client count, then the error kinds seen, if any. An audit ratio off the
// expected one is flagged. Write errors are w's to report.
func (r *Report) Table(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := "clients\tphase\tops\tops/s\tp50\tp95\tp99\tmax\terrors\taudit entries/op\t"
	if r.Ceiling != nil {
		head += "ceiling ops/s\tof ceiling\t"
	}
	fmt.Fprintln(tw, head)
	for _, x := range r.Results {
		audit := fmt.Sprintf("%.3f", x.AuditPerOp)
		if x.AuditEntries != x.AuditExpected {
			audit = fmt.Sprintf("%.3f (%d, want %d) !", x.AuditPerOp, x.AuditEntries, x.AuditExpected)
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%.1f\t%s\t%s\t%s\t%s\t%d\t%s\t", x.Clients, x.Phase, x.Ops, x.OpsPerSec,
			msText(x.P50Ms), msText(x.P95Ms), msText(x.P99Ms), msText(x.MaxMs), x.Errors, audit)
		if r.Ceiling != nil {
			fmt.Fprintf(tw, "%.1f\t%.0f%%\t", x.CeilingOpsPerSec, 100*x.RatioToCeiling)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	if c := r.Ceiling; c != nil {
		fmt.Fprintf(w, "ceiling: %s; %d rows, %d bytes per create\n", c.Method, c.RowsPerCopy, c.BytesPerCopy)
		for _, y := range c.Results {
			fmt.Fprintf(w, "  ceiling %d client(s), %s: %d ops, %.1f/s, p50 %s, p99 %s\n", y.Clients, y.Phase, y.Ops, y.OpsPerSec, msText(y.P50Ms), msText(y.P99Ms))
		}
	}
	for _, x := range r.Results {
		for _, s := range x.ErrorSamples {
			fmt.Fprintf(w, "  %d client(s), %s: %d × %s\n", x.Clients, x.Phase, s.Count, s.What)
		}
	}
	fmt.Fprintf(w, "each phase %gs; seed %d; %d CPUs; %s", r.DurationSeconds, r.Seed, r.CPUs, r.GoVersion)
	if r.Server != "" {
		fmt.Fprintf(w, "; %s", r.Server)
	}
	fmt.Fprintln(w)
}

// msText formats milliseconds with three significant-ish digits.
func msText(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0fms", v)
	case v >= 10:
		return fmt.Sprintf("%.1fms", v)
	}
	return fmt.Sprintf("%.2fms", v)
}
