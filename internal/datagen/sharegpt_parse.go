package datagen

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// sgTurn is one validated turn of a ShareGPT conversation.
type sgTurn struct {
	from  string // "" when absent
	value string
}

// shareGPTFiles resolves data.path to the files to read, in order: the file
// itself, or every regular *.json file of the directory (not recursive),
// sorted by name so that a run is reproducible. The reference lists the
// directory in os.listdir order, which is unspecified.
func shareGPTFiles(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("data.path: %w", err)
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	ents, err := os.ReadDir(path)
	if err != nil {
		return nil, fmt.Errorf("data.path: %w", err)
	}
	var files []string
	for _, e := range ents {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		files = append(files, filepath.Join(path, e.Name()))
	}
	sort.Strings(files)
	if len(files) == 0 {
		return nil, fmt.Errorf("data.path: directory %s holds no .json files", path)
	}
	return files, nil
}

// scanShareGPT streams the records of one ShareGPT file and calls fn with
// the index of each record (0-based, within the file) and its turns. The
// file is either one JSON array of records (ShareGPT_V3's layout) or JSON
// Lines (one record object after another), as the reference's Hugging Face
// "json" loader accepts both. Only one record is decoded at a time, so the
// memory used here does not grow with the file.
//
// A record whose "conversations" is absent or null is passed to fn with no
// turns (the reference skips it). Anything else that is not the expected
// shape is an error naming name, the record index and the field.
func scanShareGPT(r io.Reader, name string, fn func(rec int, turns []sgTurn) error) error {
	return scanJSONRecords(r, name, "ShareGPT", func(rec int, raw json.RawMessage) error {
		// Well-formed records take one typed decode; anything else is
		// decoded again field by field to say what is wrong (or to unwrap
		// turns stored as JSON strings).
		turns, ok := fastTurns(raw)
		if !ok {
			var err error
			if turns, err = slowTurns(raw); err != nil {
				return err
			}
		}
		return fn(rec, turns)
	})
}

// firstByte returns the next non-whitespace byte without consuming it,
// skipping a UTF-8 byte-order mark.
func firstByte(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.Peek(1)
		if err != nil {
			return 0, err
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n':
			_, _ = br.Discard(1)
			continue
		case 0xEF:
			if bom, _ := br.Peek(3); bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
				_, _ = br.Discard(3)
				continue
			}
		}
		return b[0], nil
	}
}

// fastTurns decodes a well-formed record in one pass; ok is false for any
// other shape.
func fastTurns(raw json.RawMessage) (turns []sgTurn, ok bool) {
	var r struct {
		Conversations []struct {
			From  *string `json:"from"`
			Value *string `json:"value"`
		} `json:"conversations"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, false
	}
	turns = make([]sgTurn, len(r.Conversations))
	for i, c := range r.Conversations {
		if c.Value == nil {
			return nil, false
		}
		turns[i].value = *c.Value
		if c.From != nil {
			turns[i].from = *c.From
		}
	}
	return turns, true
}

// slowTurns decodes a record field by field, naming what is wrong.
func slowTurns(raw json.RawMessage) ([]sgTurn, error) {
	var r struct {
		Conversations json.RawMessage `json:"conversations"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, fmt.Errorf("expected an object, got %s", te.Value)
		}
		return nil, err
	}
	return parseTurns(r.Conversations)
}

// parseTurns validates a record's "conversations" value.
func parseTurns(raw json.RawMessage) ([]sgTurn, error) {
	if isNull(raw) {
		return nil, nil
	}
	if raw[0] != '[' {
		return nil, fmt.Errorf("conversations: expected an array, got %s", jsonKind(raw[0]))
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("conversations: %w", err)
	}
	turns := make([]sgTurn, len(list))
	for i, t := range list {
		field := fmt.Sprintf("conversations[%d]", i)
		if len(t) > 0 && t[0] == '"' {
			// Some copies of the dataset hold a turn as a string of JSON
			// (inference-perf issue 429); the reference decodes it.
			var s string
			if err := json.Unmarshal(t, &s); err != nil {
				return nil, fmt.Errorf("%s: %w", field, err)
			}
			t = json.RawMessage(strings.TrimSpace(s))
			if len(t) == 0 || t[0] != '{' || !json.Valid(t) {
				return nil, fmt.Errorf("%s: expected an object, got a string that is not a JSON object", field)
			}
		}
		if isNull(t) || t[0] != '{' {
			return nil, fmt.Errorf("%s: expected an object, got %s", field, jsonKind(first(t)))
		}
		var o struct {
			From  json.RawMessage `json:"from"`
			Value json.RawMessage `json:"value"`
		}
		if err := json.Unmarshal(t, &o); err != nil {
			return nil, fmt.Errorf("%s: %w", field, err)
		}
		if isNull(o.Value) {
			return nil, fmt.Errorf("%s.value: missing (expected a string)", field)
		}
		if err := json.Unmarshal(o.Value, &turns[i].value); err != nil {
			return nil, fmt.Errorf("%s.value: expected a string, got %s", field, jsonKind(o.Value[0]))
		}
		if !isNull(o.From) {
			if err := json.Unmarshal(o.From, &turns[i].from); err != nil {
				return nil, fmt.Errorf("%s.from: expected a string, got %s", field, jsonKind(o.From[0]))
			}
		}
	}
	return turns, nil
}

func isNull(raw []byte) bool { return len(raw) == 0 || string(raw) == "null" }

func first(raw []byte) byte {
	if len(raw) == 0 {
		return 'n'
	}
	return raw[0]
}

// jsonKind names the JSON type that starts with b.
func jsonKind(b byte) string {
	switch {
	case b == '{':
		return "an object"
	case b == '[':
		return "an array"
	case b == '"':
		return "a string"
	case b == 't' || b == 'f':
		return "a boolean"
	case b == 'n':
		return "null"
	case b == '-' || (b >= '0' && b <= '9'):
		return "a number"
	default:
		return fmt.Sprintf("%q (not JSON)", b)
	}
}
