package tokenizer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"

	"golang.org/x/text/unicode/norm"
)

// fileJSON is the part of tokenizer.json this package reads.
type fileJSON struct {
	AddedTokens   []addedToken    `json:"added_tokens"`
	Normalizer    json.RawMessage `json:"normalizer"`
	PreTokenizer  json.RawMessage `json:"pre_tokenizer"`
	PostProcessor json.RawMessage `json:"post_processor"`
	Decoder       json.RawMessage `json:"decoder"`
	Model         json.RawMessage `json:"model"`
}

// component is the common shape of normalizers, pre-tokenizers, decoders and
// post-processors: a type tag plus fields that depend on it.
type component struct {
	Type string `json:"type"`

	// Sequence members under their various names.
	Normalizers   []json.RawMessage `json:"normalizers"`
	PreTokenizers []json.RawMessage `json:"pretokenizers"`
	Decoders      []json.RawMessage `json:"decoders"`
	Processors    []json.RawMessage `json:"processors"`

	Pattern *struct {
		String *string `json:"String"`
		Regex  *string `json:"Regex"`
	} `json:"pattern"`
	Content     *string `json:"content"`
	Prepend     string  `json:"prepend"`
	Behavior    string  `json:"behavior"`
	Invert      bool    `json:"invert"`
	Individual  bool    `json:"individual_digits"`
	AddPrefix   *bool   `json:"add_prefix_space"`
	UseRegex    *bool   `json:"use_regex"`
	Replacement string  `json:"replacement"`
	Prepends    string  `json:"prepend_scheme"`
	Split       *bool   `json:"split"`
	StripLeft   bool    `json:"strip_left"`
	StripRight  bool    `json:"strip_right"`
	Start       int     `json:"start"`
	Stop        int     `json:"stop"`

	Single []map[string]struct {
		ID string `json:"id"`
	} `json:"single"`
	SpecialTokens map[string]struct {
		IDs []int `json:"ids"`
	} `json:"special_tokens"`
	Cls []json.RawMessage `json:"cls"`
	Sep []json.RawMessage `json:"sep"`
}

func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}

func parseComponent(raw json.RawMessage, where string) (*component, error) {
	var c component
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	return &c, nil
}

func buildNormalizer(raw json.RawMessage, where string) (normalizer, error) {
	c, err := parseComponent(raw, where)
	if err != nil {
		return nil, err
	}
	switch c.Type {
	case "NFC":
		return unicodeNorm{norm.NFC}, nil
	case "NFD":
		return unicodeNorm{norm.NFD}, nil
	case "NFKC":
		return unicodeNorm{norm.NFKC}, nil
	case "NFKD":
		return unicodeNorm{norm.NFKD}, nil
	case "Lowercase":
		return lowercaseNorm{}, nil
	case "Prepend":
		return prependNorm{c.Prepend}, nil
	case "Strip":
		return stripNorm{c.StripLeft, c.StripRight}, nil
	case "Replace":
		if c.Pattern == nil || c.Content == nil {
			return nil, fmt.Errorf("%s: Replace needs pattern and content", where)
		}
		if c.Pattern.String != nil {
			return replaceNorm{lit: *c.Pattern.String, content: *c.Content}, nil
		}
		if c.Pattern.Regex != nil {
			re, err := regexp.Compile(*c.Pattern.Regex)
			if err != nil {
				return nil, fmt.Errorf("%s: Replace pattern %q: %w", where, *c.Pattern.Regex, err)
			}
			return replaceNorm{re: re, content: *c.Content}, nil
		}
		return nil, fmt.Errorf("%s: Replace pattern has neither String nor Regex", where)
	case "Sequence":
		var q seqNorm
		for i, m := range c.Normalizers {
			n, err := buildNormalizer(m, fmt.Sprintf("%s.normalizers[%d]", where, i))
			if err != nil {
				return nil, err
			}
			q = append(q, n)
		}
		return q, nil
	}
	return nil, fmt.Errorf("%s: unsupported normalizer type %q", where, c.Type)
}

// buildPreTokenizer also reports whether a ByteLevel pre-tokenizer is present,
// which makes the model byte-level.
func buildPreTokenizer(raw json.RawMessage, where string) (preTokenizer, bool, error) {
	c, err := parseComponent(raw, where)
	if err != nil {
		return nil, false, err
	}
	switch c.Type {
	case "ByteLevel":
		p := byteLevelPre{addPrefixSpace: c.AddPrefix != nil && *c.AddPrefix, useRegex: c.UseRegex == nil || *c.UseRegex}
		return p, true, nil
	case "Split":
		b, err := parseBehavior(c.Behavior)
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", where, err)
		}
		switch {
		case c.Pattern == nil:
			return nil, false, fmt.Errorf("%s: Split has no pattern", where)
		case c.Pattern.Regex != nil:
			sp, err := newRegexSplitter(*c.Pattern.Regex, b, c.Invert)
			if err != nil {
				return nil, false, fmt.Errorf("%s: %w", where, err)
			}
			return sp, false, nil
		case c.Pattern.String != nil:
			return &splitter{lit: *c.Pattern.String, behavior: b, invert: c.Invert}, false, nil
		}
		return nil, false, fmt.Errorf("%s: Split pattern has neither String nor Regex", where)
	case "Digits":
		return digitsPre{c.Individual}, false, nil
	case "Metaspace":
		p := metaspacePre{rep: c.Replacement, prepend: prependAlways, doSplit: c.Split == nil || *c.Split}
		if p.rep == "" {
			p.rep = "\u2581"
		}
		switch c.Prepends {
		case "", "always":
			if c.Prepends == "" && c.AddPrefix != nil && !*c.AddPrefix {
				p.prepend = prependNever // the older add_prefix_space field
			}
		case "first":
			p.prepend = prependFirst
		case "never":
			p.prepend = prependNever
		default:
			return nil, false, fmt.Errorf("%s: unknown prepend_scheme %q (want always, first or never)", where, c.Prepends)
		}
		return p, false, nil
	case "Sequence":
		var q seqPre
		anyBL := false
		for i, m := range c.PreTokenizers {
			p, bl, err := buildPreTokenizer(m, fmt.Sprintf("%s.pretokenizers[%d]", where, i))
			if err != nil {
				return nil, false, err
			}
			anyBL = anyBL || bl
			if p == (byteLevelPre{}) {
				// ByteLevel without prefix space or regex splits nothing (its
				// byte mapping is the model's job): drop it, so Llama-3's and
				// Qwen's Sequence becomes a single Split.
				continue
			}
			q = append(q, p)
		}
		if len(q) == 1 {
			return q[0], anyBL, nil
		}
		return q, anyBL, nil
	}
	return nil, false, fmt.Errorf("%s: unsupported pre-tokenizer type %q", where, c.Type)
}

func buildDecoder(raw json.RawMessage, where string, bl *byteLevel) (decoder, error) {
	c, err := parseComponent(raw, where)
	if err != nil {
		return nil, err
	}
	switch c.Type {
	case "ByteLevel":
		return byteLevelDec{bl}, nil
	case "ByteFallback":
		return byteFallbackDec{}, nil
	case "Fuse":
		return fuseDec{}, nil
	case "Strip":
		if c.Content == nil {
			return nil, fmt.Errorf("%s: Strip needs content", where)
		}
		return stripDec{*c.Content, c.Start, c.Stop}, nil
	case "Replace":
		if c.Pattern == nil || c.Pattern.String == nil || c.Content == nil {
			return nil, fmt.Errorf("%s: only Replace decoders with a String pattern are supported", where)
		}
		return replaceDec{*c.Pattern.String, *c.Content}, nil
	case "Metaspace":
		prepend := c.Prepends != "never"
		if c.Prepends == "" && c.AddPrefix != nil {
			prepend = *c.AddPrefix
		}
		rep := c.Replacement
		if rep == "" {
			rep = "\u2581"
		}
		return metaspaceDec{rep, prepend}, nil
	case "Sequence":
		var q seqDec
		for i, m := range c.Decoders {
			d, err := buildDecoder(m, fmt.Sprintf("%s.decoders[%d]", where, i), bl)
			if err != nil {
				return nil, err
			}
			q = append(q, d)
		}
		return q, nil
	}
	return nil, fmt.Errorf("%s: unsupported decoder type %q", where, c.Type)
}

// template is a post-processor reduced to what single-sequence encoding
// needs: ids before and after the sequence.
type template struct{ before, after []int }

func buildPostProcessor(raw json.RawMessage, where string) (template, error) {
	c, err := parseComponent(raw, where)
	if err != nil {
		return template{}, err
	}
	switch c.Type {
	case "ByteLevel":
		return template{}, nil // only adjusts offsets
	case "TemplateProcessing":
		var t template
		seen := false
		for i, item := range c.Single {
			if s, ok := item["Sequence"]; ok {
				if s.ID != "A" {
					return template{}, fmt.Errorf("%s.single[%d]: sequence %q in a single template", where, i, s.ID)
				}
				seen = true
				continue
			}
			sp, ok := item["SpecialToken"]
			if !ok {
				return template{}, fmt.Errorf("%s.single[%d]: want Sequence or SpecialToken", where, i)
			}
			st, ok := c.SpecialTokens[sp.ID]
			if !ok {
				return template{}, fmt.Errorf("%s.single[%d]: special token %q is not in special_tokens", where, i, sp.ID)
			}
			if seen {
				t.after = append(t.after, st.IDs...)
			} else {
				t.before = append(t.before, st.IDs...)
			}
		}
		return t, nil
	case "BertProcessing", "RobertaProcessing":
		var cls, sep int
		if len(c.Cls) != 2 || len(c.Sep) != 2 || json.Unmarshal(c.Cls[1], &cls) != nil || json.Unmarshal(c.Sep[1], &sep) != nil {
			return template{}, fmt.Errorf("%s: cls and sep must be [token, id]", where)
		}
		return template{before: []int{cls}, after: []int{sep}}, nil
	case "Sequence":
		var t template
		for i, m := range c.Processors {
			p, err := buildPostProcessor(m, fmt.Sprintf("%s.processors[%d]", where, i))
			if err != nil {
				return template{}, err
			}
			t.before = append(t.before, p.before...)
			t.after = append(p.after, t.after...)
		}
		return t, nil
	}
	return template{}, fmt.Errorf("%s: unsupported post-processor type %q", where, c.Type)
}

// modelJSON is tokenizer.json's model section for BPE.
type modelJSON struct {
	Type         string          `json:"type"`
	Vocab        map[string]int  `json:"vocab"`
	Merges       json.RawMessage `json:"merges"`
	UnkToken     *string         `json:"unk_token"`
	ContPrefix   *string         `json:"continuing_subword_prefix"`
	EndSuffix    *string         `json:"end_of_word_suffix"`
	FuseUnk      bool            `json:"fuse_unk"`
	ByteFallback bool            `json:"byte_fallback"`
	IgnoreMerges bool            `json:"ignore_merges"`
}

// parseMerges accepts both forms: ["a b", ...] and [["a", "b"], ...].
func parseMerges(raw json.RawMessage) ([][2]string, error) {
	raw = bytes.TrimSpace(raw)
	if isNull(raw) {
		return nil, nil
	}
	inner := bytes.TrimSpace(bytes.TrimPrefix(raw, []byte("[")))
	if len(inner) > 0 && inner[0] == '[' {
		var pairs [][2]string
		if err := json.Unmarshal(raw, &pairs); err != nil {
			return nil, fmt.Errorf("merges: %w", err)
		}
		return pairs, nil
	}
	var lines []string
	if err := json.Unmarshal(raw, &lines); err != nil {
		return nil, fmt.Errorf("merges: %w", err)
	}
	pairs := make([][2]string, len(lines))
	for i, l := range lines {
		a, b, ok := bytes.Cut([]byte(l), []byte(" "))
		if !ok {
			return nil, fmt.Errorf("merges[%d]: %q is not two tokens separated by a space", i, l)
		}
		pairs[i] = [2]string{string(a), string(b)}
	}
	return pairs, nil
}

func buildBPE(raw json.RawMessage, bl *byteLevel, byteLevel bool) (*bpe, error) {
	var mj modelJSON
	if err := json.Unmarshal(raw, &mj); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	if mj.Type != "BPE" && !(mj.Type == "" && mj.Merges != nil) {
		return nil, fmt.Errorf("model.type %q is not supported (only BPE)", mj.Type)
	}
	if (mj.ContPrefix != nil && *mj.ContPrefix != "") || (mj.EndSuffix != nil && *mj.EndSuffix != "") {
		return nil, fmt.Errorf("model: continuing_subword_prefix and end_of_word_suffix are not supported")
	}
	m := &bpe{vocab: mj.Vocab, byteLevel: byteLevel, bl: bl, ignoreMerges: mj.IgnoreMerges,
		fuseUnk: mj.FuseUnk, byteFallback: mj.ByteFallback, unk: -1}
	if m.vocab == nil {
		return nil, fmt.Errorf("model.vocab is missing")
	}
	if mj.UnkToken != nil {
		id, ok := m.vocab[*mj.UnkToken]
		if !ok {
			return nil, fmt.Errorf("model.unk_token %q is not in the vocabulary", *mj.UnkToken)
		}
		m.unk = id
	}
	for b := 0; b < 256; b++ {
		m.byteIDs[b], m.fallbackIDs[b] = -1, -1
		if id, ok := m.vocab[string(bl.toRune[b])]; ok {
			m.byteIDs[b] = id
		}
		if id, ok := m.vocab[fmt.Sprintf("<0x%02X>", b)]; ok {
			m.fallbackIDs[b] = id
		}
	}
	pairs, err := parseMerges(mj.Merges)
	if err != nil {
		return nil, fmt.Errorf("model.%w", err)
	}
	m.merges = make(map[uint64]merge, len(pairs))
	for i, p := range pairs {
		if err := m.addMerge(p[0], p[1], i); err != nil {
			return nil, fmt.Errorf("model.merges: %w", err)
		}
	}
	m.cache.init()
	return m, nil
}
