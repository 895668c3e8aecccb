package tokenizer

import (
	"fmt"
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// bpe is a BPE model: a vocabulary and ranked merges.
type bpe struct {
	vocab  map[string]int
	merges map[uint64]merge // (left id, right id) -> merge

	byteLevel    bool     // pieces are raw bytes spelt with the byte-level alphabet
	byteIDs      [256]int // byte-level: id of each byte's rune, -1 if missing
	ignoreMerges bool     // a piece that is a whole vocabulary entry is one token
	bl           *byteLevel

	unk          int // id of unk_token, -1 if none
	fuseUnk      bool
	byteFallback bool
	fallbackIDs  [256]int // byte_fallback: id of "<0xNN>", -1 if missing

	cache wordCache
}

type merge struct {
	rank int
	id   int
}

func pairKey(a, b int) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

// addMerge records that left+right merge into their concatenation.
func (m *bpe) addMerge(left, right string, rank int) error {
	a, ok := m.vocab[left]
	if !ok {
		return fmt.Errorf("merge %d: %q is not in the vocabulary", rank, left)
	}
	b, ok := m.vocab[right]
	if !ok {
		return fmt.Errorf("merge %d: %q is not in the vocabulary", rank, right)
	}
	id, ok := m.vocab[left+right]
	if !ok {
		return fmt.Errorf("merge %d: %q + %q gives %q, which is not in the vocabulary", rank, left, right, left+right)
	}
	// A pair listed twice keeps its last rank, as in the reference (which
	// collects the merges into a map in order).
	m.merges[pairKey(a, b)] = merge{rank: rank, id: id}
	return nil
}

// encodeWord appends the ids of one pre-tokenized piece to dst.
func (m *bpe) encodeWord(dst []int, piece string) []int {
	if piece == "" {
		return dst
	}
	if ids, ok := m.cache.get(piece); ok {
		return append(dst, ids...)
	}
	start := len(dst)
	dst = m.encodeUncached(dst, piece)
	if len(piece) <= maxCachedWord {
		m.cache.put(piece, dst[start:])
	}
	return dst
}

func (m *bpe) encodeUncached(dst []int, piece string) []int {
	if m.ignoreMerges {
		key := piece
		if m.byteLevel {
			key = m.bl.encode(piece)
		}
		if id, ok := m.vocab[key]; ok {
			return append(dst, id)
		}
	}
	w := wordPool.Get().(*word)
	w.reset()
	if m.byteLevel {
		for i := 0; i < len(piece); i++ {
			if id := m.byteIDs[piece[i]]; id >= 0 {
				w.push(id)
			} else if m.unk >= 0 {
				w.push(m.unk)
			}
		}
	} else {
		m.initChars(w, piece)
	}
	w.mergeAll(m.merges)
	// Symbol 0 is never merged away (merges remove the right symbol).
	for i := 0; len(w.ids) > 0 && i >= 0; i = w.next[i] {
		dst = append(dst, w.ids[i])
	}
	wordPool.Put(w)
	return dst
}

// initChars splits a piece into characters for a non-byte-level model:
// known characters, else their bytes as <0xNN> (byte_fallback), else unk.
func (m *bpe) initChars(w *word, piece string) {
	lastUnk := false
	for i := 0; i < len(piece); {
		_, n := utf8.DecodeRuneInString(piece[i:])
		ch := piece[i : i+n]
		i += n
		if id, ok := m.vocab[ch]; ok {
			w.push(id)
			lastUnk = false
			continue
		}
		if m.byteFallback {
			ok := true
			for k := 0; k < len(ch); k++ {
				if m.fallbackIDs[ch[k]] < 0 {
					ok = false
				}
			}
			if ok {
				for k := 0; k < len(ch); k++ {
					w.push(m.fallbackIDs[ch[k]])
				}
				lastUnk = false
				continue
			}
		}
		if m.unk >= 0 {
			if !(m.fuseUnk && lastUnk) {
				w.push(m.unk)
			}
			lastUnk = true
		}
	}
}

// word is the working state of one BPE merge: symbols in a linked list
// (merged symbols die in place) and a heap of candidate pairs.
type word struct {
	ids   []int
	prev  []int
	next  []int
	alive []bool
	h     pairHeap
}

var wordPool = sync.Pool{New: func() any { return new(word) }}

func (w *word) reset() {
	w.ids, w.prev, w.next, w.alive, w.h = w.ids[:0], w.prev[:0], w.next[:0], w.alive[:0], w.h[:0]
}

func (w *word) push(id int) {
	n := len(w.ids)
	if n > 0 {
		w.next[n-1] = n
	}
	w.ids = append(w.ids, id)
	w.prev = append(w.prev, n-1)
	w.next = append(w.next, -1)
	w.alive = append(w.alive, true)
}

// pair is a merge candidate: symbols at pos and its successor.
// Fields are int32 (ids are below maxID, words below 2^31 bytes) so that
// heap moves copy 20 bytes, not 40.
type pair struct {
	rank, pos   int32
	left, right int32 // ids expected at pos and its successor
	id          int32 // result
}

// pairHeap is a min-heap of pairs by (rank, pos). Hand-written rather than
// container/heap, whose interface boxes every pair into an allocation.
type pairHeap []pair

func (h pairHeap) less(i, j int) bool {
	if h[i].rank != h[j].rank {
		return h[i].rank < h[j].rank
	}
	return h[i].pos < h[j].pos
}

func (h *pairHeap) push(p pair) {
	*h = append(*h, p)
	q := *h
	for i := len(q) - 1; i > 0; {
		parent := (i - 1) / 2
		if !q.less(i, parent) {
			break
		}
		q[i], q[parent] = q[parent], q[i]
		i = parent
	}
}

func (h *pairHeap) pop() pair {
	q := *h
	top := q[0]
	last := len(q) - 1
	q[0] = q[last]
	q = q[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(q) && q.less(l, m) {
			m = l
		}
		if r < len(q) && q.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		q[i], q[m] = q[m], q[i]
		i = m
	}
	*h = q
	return top
}

func (w *word) candidate(merges map[uint64]merge, pos int) {
	if pos < 0 {
		return
	}
	nx := w.next[pos]
	if nx < 0 {
		return
	}
	if mg, ok := merges[pairKey(w.ids[pos], w.ids[nx])]; ok {
		w.h.push(pair{rank: int32(mg.rank), pos: int32(pos), left: int32(w.ids[pos]), right: int32(w.ids[nx]), id: int32(mg.id)})
	}
}

// mergeAll applies merges lowest rank first, leftmost first among equals,
// until none applies: the order of the reference implementations.
func (w *word) mergeAll(merges map[uint64]merge) {
	if len(w.ids) < 2 {
		return
	}
	for i := range w.ids {
		w.candidate(merges, i)
	}
	for len(w.h) > 0 {
		p := w.h.pop()
		pos := int(p.pos)
		nx := w.next[pos]
		if !w.alive[pos] || nx < 0 || w.ids[pos] != int(p.left) || w.ids[nx] != int(p.right) {
			continue // stale: a neighbour was merged since
		}
		w.ids[pos] = int(p.id)
		w.alive[nx] = false
		w.next[pos] = w.next[nx]
		if w.next[nx] >= 0 {
			w.prev[w.next[nx]] = pos
		}
		w.candidate(merges, w.prev[pos])
		w.candidate(merges, pos)
	}
}

// maxCachedWord bounds the pieces kept in the cache: long pieces are rare and
// would pin memory.
const maxCachedWord = 64

const (
	cacheShards   = 32
	cacheShardCap = 2048
)

// wordCache maps pieces to their ids. It is bounded (a full shard is
// emptied) and safe for concurrent use; reads take no lock. Keys are copied,
// so the cache never holds on to a caller's text.
type wordCache struct {
	seed   maphash.Seed
	shards [cacheShards]cacheShard
}

type cacheShard struct {
	m sync.Map // string -> []int
	n atomic.Int32
}

func (c *wordCache) init() { c.seed = maphash.MakeSeed() }

func (c *wordCache) shard(k string) *cacheShard {
	return &c.shards[maphash.String(c.seed, k)%cacheShards]
}

func (c *wordCache) get(k string) ([]int, bool) {
	v, ok := c.shard(k).m.Load(k)
	if !ok {
		return nil, false
	}
	return v.([]int), true
}

func (c *wordCache) put(k string, ids []int) {
	s := c.shard(k)
	if s.n.Add(1) > cacheShardCap {
		s.m.Clear()
		s.n.Store(1)
	}
	s.m.Store(strings.Clone(k), append([]int(nil), ids...))
}
