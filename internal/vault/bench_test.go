package vault

import (
	"testing"
)

func benchKeyring(b *testing.B) *Keyring {
	b.Helper()
	k, _ := openFresh(b, newMaster(b, 1))
	return k
}

func BenchmarkSeal64(b *testing.B) {
	sk, _, _, _ := benchKeyring(b).NewSubjectKey("4.1a", "subj-1")
	pt := make([]byte, 64)
	ad := ValueAD("subj-1", "phone", "4.1a", 1)
	b.SetBytes(int64(len(pt)))
	b.ReportAllocs()
	for b.Loop() {
		sk.Seal(pt, ad)
	}
}

func BenchmarkOpen64(b *testing.B) {
	sk, _, _, _ := benchKeyring(b).NewSubjectKey("4.1a", "subj-1")
	ad := ValueAD("subj-1", "phone", "4.1a", 1)
	ct := sk.Seal(make([]byte, 64), ad)
	b.SetBytes(64)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sk.Open(ct, ad); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBlindIndex(b *testing.B) {
	k := benchKeyring(b)
	b.ReportAllocs()
	for b.Loop() {
		k.BlindIndex("phone", "+77010000000")
	}
}

func BenchmarkNewSubjectKey(b *testing.B) {
	k := benchKeyring(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, _, err := k.NewSubjectKey("4.1a", "subj-1"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpenSubjectKey(b *testing.B) {
	k := benchKeyring(b)
	_, w, v, _ := k.NewSubjectKey("4.1a", "subj-1")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.OpenSubjectKey("4.1a", "subj-1", v, w); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignCheckpoint(b *testing.B) {
	k := benchKeyring(b)
	msg := make([]byte, 128)
	b.ReportAllocs()
	for b.Loop() {
		k.SignCheckpoint(msg)
	}
}
