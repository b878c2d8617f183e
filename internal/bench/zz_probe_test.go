package bench
import ("testing";"time";"github.com/derbes-kz/derbes/internal/demo")
func TestP(t *testing.T){ for _, n := range []int{1000,10000} {s:=time.Now(); p:=demo.People(1,n); t.Log(len(p), time.Since(s))}}
