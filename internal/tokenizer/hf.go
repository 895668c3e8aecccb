package tokenizer

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
)

// HF is a Hugging Face tokenizer.json tokenizer: BPE, byte-level (GPT-2,
// Llama-3, Qwen, SmolLM, gpt-oss, DeepSeek-V3) or SentencePiece-style
// (Llama-2, Mistral, Gemma), with its normalizers, pre-tokenizers, added and
// special tokens, post-processor and decoder. It gives the same ids as
// Hugging Face's tokenizers library. It is safe for concurrent use.
type HF struct {
	name      string
	rawAdded  *addedMatcher // added tokens matched in the raw text
	normAdded *addedMatcher // added tokens matched after normalization
	norm      normalizer
	pre       preTokenizer
	model     *bpe
	post      template
	dec       decoder

	idToTok []string
	special []bool
	added   []bool // ids of added_tokens, special or not
}

// Compile-time check that HF is a Tokenizer.
var _ Tokenizer = (*HF)(nil)

// LoadFile reads a tokenizer.json (or a gzip-compressed tokenizer.json.gz).
func LoadFile(path string) (*HF, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("tokenizer: %s: %w", path, err)
		}
		data, err = io.ReadAll(zr)
		if err != nil {
			return nil, fmt.Errorf("tokenizer: %s: %w", path, err)
		}
	}
	t, err := Parse(data, path)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %s: %w", path, err)
	}
	return t, nil
}

// Parse builds a tokenizer from the contents of a tokenizer.json; name is
// what Name reports. Unsupported components are errors naming the field.
func Parse(data []byte, name string) (*HF, error) {
	var f fileJSON
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, err
	}
	if isNull(f.Model) {
		return nil, fmt.Errorf("model is missing")
	}
	bl := newByteLevel()
	t := &HF{name: name}
	var err error
	byteLevel := false
	if !isNull(f.Normalizer) {
		if t.norm, err = buildNormalizer(f.Normalizer, "normalizer"); err != nil {
			return nil, err
		}
	}
	if !isNull(f.PreTokenizer) {
		if t.pre, byteLevel, err = buildPreTokenizer(f.PreTokenizer, "pre_tokenizer"); err != nil {
			return nil, err
		}
	}
	if !isNull(f.PostProcessor) {
		if t.post, err = buildPostProcessor(f.PostProcessor, "post_processor"); err != nil {
			return nil, err
		}
	}
	if !isNull(f.Decoder) {
		if t.dec, err = buildDecoder(f.Decoder, "decoder", bl); err != nil {
			return nil, err
		}
	}
	if t.model, err = buildBPE(f.Model, bl, byteLevel); err != nil {
		return nil, err
	}

	size := 0
	for tok, id := range t.model.vocab {
		if id < 0 || id >= maxID {
			return nil, fmt.Errorf("model.vocab: %q has id %d, outside [0, %d)", tok, id, maxID)
		}
		size = max(size, id+1)
	}
	var raw, normed []addedToken
	for i, a := range f.AddedTokens {
		if a.ID < 0 || a.ID >= maxID {
			return nil, fmt.Errorf("added_tokens[%d]: id %d outside [0, %d)", i, a.ID, maxID)
		}
		size = max(size, a.ID+1)
		if a.Normalized && t.norm != nil {
			normed = append(normed, a)
		} else {
			raw = append(raw, a)
		}
	}
	t.rawAdded, t.normAdded = newAddedMatcher(raw), newAddedMatcher(normed)
	t.idToTok = make([]string, size)
	t.special = make([]bool, size)
	t.added = make([]bool, size)
	for tok, id := range t.model.vocab {
		t.idToTok[id] = tok
	}
	for _, a := range f.AddedTokens {
		t.idToTok[a.ID] = a.Content
		t.special[a.ID] = a.Special
		t.added[a.ID] = true
	}
	return t, nil
}

// maxID bounds token ids, so a corrupt file cannot make Parse allocate
// without limit (at most 4M ids: 70 MB of tables). The largest real
// vocabularies have about 260k entries.
const maxID = 1 << 22

// scratch holds reusable buffers for one encode.
type scratch struct {
	segs, segs2 []segment
	pieces      []string
	ids         []int
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// release clears references into the caller's text before pooling, so
// nothing keeps the text alive.
func (s *scratch) release() {
	clear(s.segs[:cap(s.segs)])
	clear(s.segs2[:cap(s.segs2)])
	clear(s.pieces[:cap(s.pieces)])
	s.segs, s.segs2, s.pieces, s.ids = s.segs[:0], s.segs2[:0], s.pieces[:0], s.ids[:0]
	scratchPool.Put(s)
}

// encode appends the ids of text (without the post-processor) to dst.
func (t *HF) encode(dst []int, text string, s *scratch) []int {
	s.segs = t.rawAdded.split(s.segs[:0], text)
	off := 0 // offset of seg in text
	for _, seg := range s.segs {
		atStart := off == 0
		off += len(seg.text)
		if seg.added >= 0 {
			dst = append(dst, seg.added)
			continue
		}
		txt := seg.text
		if t.norm != nil {
			txt = t.norm.normalize(txt)
		}
		s.segs2 = t.normAdded.split(s.segs2[:0], txt)
		for k, seg2 := range s.segs2 {
			if seg2.added >= 0 {
				dst = append(dst, seg2.added)
				continue
			}
			if t.pre == nil {
				dst = t.model.encodeWord(dst, seg2.text)
				continue
			}
			s.pieces = splitAt(t.pre, s.pieces[:0], seg2.text, atStart && k == 0)
			for _, p := range s.pieces {
				dst = t.model.encodeWord(dst, p)
			}
		}
	}
	return dst
}

// Encode returns the token ids of text. With addSpecial, the post-processor's
// tokens (such as a BOS token) are added, as Hugging Face's
// encode(text, add_special_tokens=True) does. Special-token strings in text
// (such as "<|im_start|>") always become their token.
func (t *HF) Encode(text string, addSpecial bool) []int {
	s := scratchPool.Get().(*scratch)
	defer s.release()
	// Prose averages over three bytes per token: one allocation, mostly.
	ids := make([]int, 0, len(text)/3+len(t.post.before)+len(t.post.after)+1)
	if addSpecial {
		ids = append(ids, t.post.before...)
	}
	ids = t.encode(ids, text, s)
	if addSpecial {
		ids = append(ids, t.post.after...)
	}
	return ids
}

// Count returns len(Encode(text, false)) without keeping text or the ids.
func (t *HF) Count(text string) int {
	s := scratchPool.Get().(*scratch)
	defer s.release()
	s.ids = t.encode(s.ids[:0], text, s)
	return len(s.ids)
}

// Decode returns the text of ids. Ids outside the vocabulary are skipped;
// with skipSpecial, so are special tokens. Bytes that do not form valid
// UTF-8 become U+FFFD, as in the reference implementations.
func (t *HF) Decode(ids []int, skipSpecial bool) string {
	toks := make([]string, 0, len(ids))
	for _, id := range ids {
		if id < 0 || id >= len(t.idToTok) || t.idToTok[id] == "" {
			continue
		}
		if skipSpecial && t.special[id] {
			continue
		}
		toks = append(toks, t.idToTok[id])
	}
	if t.dec == nil {
		return strings.Join(toks, " ")
	}
	return strings.Join(t.dec.decodeChain(toks), "")
}

// Name returns the path or model name the tokenizer was loaded from.
func (t *HF) Name() string { return t.name }

// Exact reports true: counts are the model's own.
func (t *HF) Exact() bool { return true }

// VocabSize returns the size of the id space: one more than the largest id
// of the vocabulary and the added tokens.
func (t *HF) VocabSize() int { return len(t.idToTok) }

// IsAdded reports whether id is one of the file's added_tokens (special
// ones like <|endoftext|> and others like Qwen's <think>), as opposed to a
// token of the model's vocabulary.
func (t *HF) IsAdded(id int) bool { return id >= 0 && id < len(t.added) && t.added[id] }

// IDToken returns the token string of id, and false for an unknown id.
func (t *HF) IDToken(id int) (string, bool) {
	if id < 0 || id >= len(t.idToTok) || t.idToTok[id] == "" {
		return "", false
	}
	return t.idToTok[id], true
}
